/*
 * Devices tab: the account's Kazoo devices joined with what our server knows about them
 * (model, provisioning URL, last fetch, lock, conflicts) and the unknown phones on the account's
 * sites. Each dialog opened from here is its own submodule, as in Monster's apps: devicesModel
 * (the model picker), devicesAdopt, devicesPreview, devicesCredentials, devicesSettings.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var devices = {

		requests: {},

		subscribe: {},

		devicesRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.devicesGetData(function(data) {
				if (!isCurrent()) {
					return;
				}
				var template = $(self.getTemplate({
					name: 'layout',
					submodule: 'devices',
					data: data
				}));

				self.devicesBindEvents(template, data, container);
				container.empty().append(template);
			});
		},

		/* Kazoo's list is the base; ours adds provisioning state. */
		devicesGetData: function(callback) {
			var self = this,
				isAdmin = self.phoneprovIsAdmin(),
				none = function(next) { next(null, []); };

			monster.parallel({
				kazoo: function(next) {
					self.phoneprovKazooDevices(function(list) {
						next(null, isAdmin ? list : _.filter(list, { owner_id: self.userId }));
					});
				},
				ours: self.phoneprovTask('phoneprov.devices.list', null),
				// For the names people know models by.
				catalog: self.phoneprovTask('phoneprov.phones', null),
				conflicts: isAdmin ? self.phoneprovTask('phoneprov.conflicts', []) : none,
				// Only phones seen from this account's sites; an older server without the route hides the section.
				unknownMacs: isAdmin ? self.phoneprovTask('phoneprov.unknownMacs', []) : none
			}, function(err, results) {
				callback(self.devicesFormatData(results, isAdmin));
			});
		},

		devicesFormatData: function(results, isAdmin) {
			var self = this,
				ours = _.keyBy(results.ours || [], 'id'),
				list = _.map(results.kazoo, function(device) {
					var state = ours[device.id] || {},
						mac = state.mac_address || (device.mac_address ? String(device.mac_address).toLowerCase().replace(/[^0-9a-f]/g, '') : ''),
						lastSeen = state.last_seen || null;

					return {
						id: device.id,
						name: device.name,
						ownerName: device.owner_name,
						deviceType: device.device_type || 'sip_device',
						isDeskPhone: _.includes([ 'sip_device', 'ata', 'fax' ], device.device_type || 'sip_device'),
						enabled: device.enabled !== false,
						mac: mac,
						macDisplay: self.phoneprovFormatMac(mac),
						brand: state.brand || '',
						family: state.family || '',
						model: state.model || '',
						hasModel: !!state.brand,
						modelName: state.brand ? self.phoneprovModelName(results.catalog, state.brand, state.family, state.model, state.template_id) : '',
						templateFound: !!state.template_found,
						provisioningUrl: state.provisioning_url || '',
						lastSeen: lastSeen ? {
							at: self.phoneprovFormatTime(lastSeen.at),
							ip: lastSeen.ip,
							file: lastSeen.file,
							ua: lastSeen.ua
						} : null,
						lock: state.lock ? { ip: state.lock.ip, at: self.phoneprovFormatTime(state.lock.at) } : null,
						conflict: !!state.conflict
					};
				});

			return {
				isAdmin: isAdmin,
				available: results.ours !== null,
				devices: list,
				conflicts: _.map(results.conflicts, function(c) {
					return _.assign({}, c, { macDisplay: self.phoneprovFormatMac(c.mac) });
				}),
				// A phone just adopted is in Kazoo's list before our MAC index has seen the new device.
				unknownMacs: _.map(_.reject(results.unknownMacs, function(u) { return _.some(list, { mac: u.mac }); }), function(u) {
					return _.assign({}, u, {
						macDisplay: self.phoneprovFormatMac(u.mac),
						at: self.phoneprovFormatTime(u.at),
						firstAt: self.phoneprovFormatTime(u.first_at)
					});
				})
			};
		},

		devicesBindEvents: function(template, data, container) {
			var self = this,
				byId = _.keyBy(data.devices, 'id'),
				unknownByMac = _.keyBy(data.unknownMacs, 'mac'),
				refresh = function() { self.devicesRender({ container: container }); };

			template.find('.phoneprov-device-choose-model').on('click', function() {
				self.devicesChooseModel(byId[$(this).parents('tr').data('id')], refresh);
			});

			template.find('.phoneprov-device-preview').on('click', function() {
				self.devicesRenderPreview(byId[$(this).parents('tr').data('id')], data.isAdmin);
			});

			template.find('.phoneprov-device-unlock').on('click', function() {
				var device = byId[$(this).parents('tr').data('id')];

				self.devicesUnlock(device, refresh);
			});

			template.find('.phoneprov-device-credentials').on('click', function() {
				self.devicesRenderCredentials(byId[$(this).parents('tr').data('id')]);
			});

			template.find('.phoneprov-device-settings').on('click', function() {
				self.devicesRenderSettings(byId[$(this).parents('tr').data('id')]);
			});

			template.find('.phoneprov-unknown-adopt').on('click', function() {
				// attr, not data(): jQuery would turn an all-digit MAC into a number.
				self.devicesAdopt(unknownByMac[$(this).parents('tr').attr('data-mac')], refresh);
			});

			template.find('.phoneprov-devices-refresh').on('click', refresh);
		},

		devicesUnlock: function(device, callback) {
			var self = this;

			self.phoneprovRequest({
				resource: 'phoneprov.locks.delete',
				data: { macAddress: device.mac, data: {} },
				success: function() {
					monster.ui.toast({
						type: 'success',
						message: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.unlocked,
							data: { name: device.name }
						})
					});
					callback && callback();
				},
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.unavailable.toast });
				}
			});
		}
	};

	return devices;
});

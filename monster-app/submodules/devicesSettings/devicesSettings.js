/*
 * Devices → Settings: a device's effective phone settings, each value with the level it comes from
 * (catalog default, reseller, account, model, device), and the account and device levels to edit.
 * The levels are edited as JSON ({"settings": {...}, "raw": {"<brand>": {"<key>": "<value>"}}}); the
 * server checks them and answers a message with the JSON pointer of what is wrong.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var devicesSettings = {

		requests: {},

		subscribe: {},

		devicesRenderSettings: function(device) {
			var self = this;

			monster.parallel({
				effective: function(next) { self.devicesSettingsCall('phoneprov.phoneSettings.effective', device, null, next); },
				account: function(next) { self.devicesSettingsCall('phoneprov.phoneSettings.account.get', device, null, next); },
				device: function(next) { self.devicesSettingsCall('phoneprov.phoneSettings.device.get', device, null, next); }
			}, function(err, results) {
				if (err) {
					self.phoneprovToastError(err);
					return;
				}
				var template = $(self.getTemplate({
						name: 'settings',
						submodule: 'devicesSettings',
						data: {
							device: device,
							rows: self.devicesSettingsRows(results.effective)
						}
					})),
					popup;

				// Set here, not in the view: Monster's templates lose the line breaks of a textarea's text.
				template.find('textarea[data-level="account"]').val(JSON.stringify(results.account, null, 2));
				template.find('textarea[data-level="device"]').val(JSON.stringify(results.device, null, 2));

				template.find('.phoneprov-phone-settings-save').on('click', function() {
					var level = $(this).data('level'),
						area = template.find('textarea[data-level="' + level + '"]'),
						error = template.find('.phoneprov-phone-settings-error[data-level="' + level + '"]'),
						body;

					error.text('');
					try {
						body = JSON.parse(area.val() || '{}');
					} catch (e) {
						error.text(self.i18n.active().phoneprov.phoneSettings.notJson);
						return;
					}
					self.devicesSettingsCall('phoneprov.phoneSettings.' + level + '.update', device, body, function(failure) {
						if (failure) {
							error.text(failure.message || '');
							return;
						}
						popup.dialog('close');
						monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.phoneSettings.saved });
						self.devicesRenderSettings(device);
					});
				});
				popup = monster.ui.dialog(template, {
					title: self.getTemplate({ name: '!' + self.i18n.active().phoneprov.phoneSettings.title, data: { name: device.name } })
				});
			});
		},

		/** One row per value set at some level: where it is in the tree, its value, the level it comes from. */
		devicesSettingsRows: function(effective) {
			var rows = [],
				walk = function(value, path) {
					if (_.isPlainObject(value)) {
						_.forEach(value, function(v, k) { walk(v, path + '/' + k); });
						return;
					}
					rows.push({ path: path, value: _.isArray(value) ? value.join(', ') : String(value), source: effective.sources[path] || '',
						notWritten: _.includes(effective.not_written || [], path) });
				};

			walk(effective.settings || {}, '');
			_.forEach(effective.raw || {}, function(v, k) {
				var path = '/raw/' + (effective.template_id || '').split('/')[1] + '/' + k.replace(/~/g, '~0').replace(/\//g, '~1');

				rows.push({ path: path, value: v, source: effective.sources[path] || '' });
			});
			return rows;
		},

		/** Calls one of our settings endpoints; next(failureEnvelope) or next(null, data). */
		devicesSettingsCall: function(resource, device, body, next) {
			var self = this;

			self.phoneprovRequest({
				resource: resource,
				data: body === null ? { deviceId: device.id } : { deviceId: device.id, data: body },
				success: function(data) { next(null, data); },
				error: function(envelope) { next(envelope); },
				unavailable: function() { next({ message: self.i18n.active().phoneprov.unavailable.toast }); }
			});
		}
	};

	return devicesSettings;
});

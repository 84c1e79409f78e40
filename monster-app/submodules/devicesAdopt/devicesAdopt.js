/*
 * Adopt: an unknown phone seen on one of the account's sites becomes a Kazoo device with a model,
 * created as SmartPBX creates a SIP phone; our server serves it on its next fetch.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var SIP_USERNAME_CHARS = 'abcdefghijkmnpqrstuvwxyz23456789';

	var devicesAdopt = {

		requests: {},

		subscribe: {},

		/* Adopt: the catalog and the account's users first, then the dialog. */
		devicesAdopt: function(unknown, refresh) {
			var self = this;

			monster.parallel({
				tree: self.phoneprovTask('phoneprov.phones', null),
				users: function(next) {
					self.phoneprovKazooUsers(function(users) { next(null, users); });
				}
			}, function(err, results) {
				if (!results.tree) {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.devices.catalogUnavailable });
					return;
				}
				self.devicesRenderAdopt(unknown, results.tree, results.users, refresh);
			});
		},

		devicesRenderAdopt: function(unknown, tree, users, refresh) {
			var self = this,
				text = self.i18n.active().phoneprov.devices,
				template = $(self.getTemplate({
					name: 'adopt',
					submodule: 'devicesAdopt',
					data: {
						unknown: unknown,
						users: users,
						name: self.getTemplate({ name: '!' + text.adoptDefaultName, data: { mac: unknown.macDisplay } })
					}
				})),
				// The brand whose vendor profile lists the MAC's OUI (the server tells), if any.
				pickedModel = self.devicesBindModelFields(template.find('.phoneprov-model-fields'), tree, { brand: unknown.brand }),
				popup;

			template.find('.phoneprov-adopt-save').on('click', function(e) {
				var button = $(this),
					nameInput = template.find('#phoneprov_adopt_name'),
					name = _.trim(nameInput.val()),
					provision = pickedModel();

				e.preventDefault();
				template.find('.phoneprov-field-error').remove();
				if (!name) {
					nameInput.after($('<div class="phoneprov-field-error">').text(text.nameRequired));
					return;
				}
				if (!provision) {
					template.find('#phoneprov_picker_model').after($('<div class="phoneprov-field-error">').text(text.modelRequired));
					return;
				}
				button.prop('disabled', true);
				self.devicesCreate({
					name: name,
					mac: unknown.mac,
					ownerId: template.find('#phoneprov_adopt_owner').val(),
					provision: provision
				}, function() {
					popup.dialog('close');
					refresh();
				}, function() {
					button.prop('disabled', false);
				});
			});

			popup = monster.ui.dialog(template, {
				title: self.getTemplate({ name: '!' + text.adoptTitle, data: { mac: unknown.macDisplay } })
			});
		},

		/**
		 * Creates the Kazoo device as SmartPBX does for a new SIP phone (random `user_…` username
		 * and password); our server learns of it from Kazoo and serves the phone on its next fetch.
		 */
		devicesCreate: function(adopt, success, failure) {
			var self = this;

			self.callApi({
				resource: 'device.create',
				data: {
					accountId: self.accountId,
					data: _.omitBy({
						name: adopt.name,
						device_type: 'sip_device',
						enabled: true,
						mac_address: self.phoneprovFormatMac(adopt.mac),
						owner_id: adopt.ownerId || undefined,
						provision: _.omitBy(adopt.provision, _.isUndefined),
						sip: {
							username: 'user_' + self.phoneprovRandomString(10, SIP_USERNAME_CHARS),
							password: self.phoneprovRandomString(16)
						},
						suppress_unregister_notifications: false
					}, _.isUndefined)
				},
				success: function() {
					monster.ui.toast({
						type: 'success',
						message: self.getTemplate({ name: '!' + self.i18n.active().phoneprov.devices.adopted, data: { name: adopt.name } })
					});
					success();
				},
				error: function(parsed) {
					self.phoneprovToastError({
						message: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.adoptFailed,
							data: { message: self.phoneprovKazooErrorText(parsed) }
						})
					});
					failure();
				}
			});
		}
	};

	return devicesAdopt;
});

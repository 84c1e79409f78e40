/*
 * A device's provisioning credentials (HTTP auth of its files), shown to an admin and rotated.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var devicesCredentials = {

		requests: {},

		subscribe: {},

		devicesRenderCredentials: function(device) {
			var self = this,
				show = function(credentials) {
					var template = $(self.getTemplate({
							name: 'credentials',
							submodule: 'devicesCredentials',
							data: { device: device, credentials: credentials }
						})),
						popup;

					template.find('.phoneprov-credentials-rotate').on('click', function(e) {
						e.preventDefault();
						monster.ui.confirm(self.i18n.active().phoneprov.devices.rotateConfirm, function() {
							self.phoneprovRequest({
								resource: 'phoneprov.devices.rotate',
								data: { deviceId: device.id, data: {} },
								success: function(rotated) {
									popup.dialog('close');
									show(rotated);
								}
							});
						});
					});
					popup = monster.ui.dialog(template, { title: self.i18n.active().phoneprov.devices.credentialsTitle });
				};

			self.phoneprovRequest({
				resource: 'phoneprov.devices.credentials',
				data: { deviceId: device.id },
				success: show,
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.unavailable.toast });
				}
			});
		}
	};

	return devicesCredentials;
});

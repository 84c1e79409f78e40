/*
 * Preview: the files a device is served, rendered by our server, secrets masked unless an admin
 * asks to see them.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var devicesPreview = {

		requests: {},

		subscribe: {},

		devicesRenderPreview: function(device, isAdmin) {
			var self = this;

			self.phoneprovRequest({
				resource: 'phoneprov.devices.files',
				data: { deviceId: device.id },
				success: function(data) {
					var template = $(self.getTemplate({
							name: 'preview',
							submodule: 'devicesPreview',
							// The device's own file first: that is the one with its settings.
							data: { device: device, files: _.sortBy(data.files, function(f) { return f.scope === 'device' ? 0 : 1; }), isAdmin: isAdmin }
						})),
						load = function() {
							var file = template.find('#phoneprov_preview_file').val(),
								reveal = template.find('#phoneprov_preview_reveal').is(':checked');

							self.devicesLoadFile(template, device, file, reveal);
						};

					template.find('#phoneprov_preview_file, #phoneprov_preview_reveal').on('change', load);
					monster.ui.dialog(template, {
						title: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.previewTitle,
							data: { name: device.name }
						})
					});
					if (data.files && data.files.length) {
						load();
					}
				},
				error: function(envelope) {
					self.phoneprovToastError(envelope);
				},
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.unavailable.toast });
				}
			});
		},

		devicesLoadFile: function(template, device, file, reveal) {
			var self = this,
				target = template.find('.phoneprov-preview-content');

			self.phoneprovRequest({
				resource: 'phoneprov.devices.file',
				data: { deviceId: device.id, file: file, filters: reveal ? { reveal: 'true' } : {} },
				success: function(data) {
					target.text(data.content);
					template.find('.phoneprov-preview-masked').toggle(!!data.masked);
				},
				error: function(envelope) {
					target.text(envelope.message || '');
				}
			});
		}
	};

	return devicesPreview;
});

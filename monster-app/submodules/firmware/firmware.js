/*
 * Firmware tab (admins): the uploaded images, this account's policies per model (pinned version,
 * staged rollout), and per device the version its User-Agent reports next to the one assigned.
 * Uploads go straight to our server as the file's bytes (monster.request only sends JSON).
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var root = (monster.config.api && monster.config.api.provisioner) || '';

	var firmware = {

		requests: {
			'phoneprov.firmware.list': { apiRoot: root, url: 'firmware', verb: 'GET', generateError: false },
			'phoneprov.firmware.policies': { apiRoot: root, url: 'accounts/{accountId}/firmware/policies', verb: 'GET', generateError: false },
			'phoneprov.firmware.policy.update': { apiRoot: root, url: 'accounts/{accountId}/firmware/policies/{brand}/{family}/{model}', verb: 'PUT', generateError: false },
			'phoneprov.firmware.policy.delete': { apiRoot: root, url: 'accounts/{accountId}/firmware/policies/{brand}/{family}/{model}', verb: 'DELETE', generateError: false },
			'phoneprov.firmware.devices': { apiRoot: root, url: 'accounts/{accountId}/firmware/devices', verb: 'GET', generateError: false }
		},

		subscribe: {},

		firmwareRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			monster.parallel({
				files: self.phoneprovTask('phoneprov.firmware.list', null),
				policies: self.phoneprovTask('phoneprov.firmware.policies', null),
				devices: self.phoneprovTask('phoneprov.firmware.devices', null)
			}, function(err, results) {
				if (!isCurrent()) {
					return;
				}
				if (results.files === null) {
					self.phoneprovUnavailable(container, self.i18n.active().phoneprov.firmware.title);
					return;
				}
				var template = $(self.getTemplate({
					name: 'layout',
					submodule: 'firmware',
					data: self.firmwareFormatData(results)
				}));

				self.firmwareBindEvents(template, container);
				container.empty().append(template);
			});
		},

		firmwareFormatData: function(results) {
			var files = _.map(results.files, function(f) {
					return _.assign({}, f, { label: f.brand + ' ' + f.version + ' (' + f.file_name + ')', sha: f.sha256.slice(0, 12), kb: Math.ceil(f.size / 1024) });
				}),
				labelOf = function(id) {
					var f = _.find(files, { id: id });

					return f ? f.version : id;
				};

			return {
				files: files,
				policies: _.map(results.policies || [], function(p) {
					return _.assign({}, p, {
						key: p.brand + '/' + p.family + '/' + p.model,
						inherited: p.scope === 'catalog',
						pinned: p.firmware_id ? labelOf(p.firmware_id) : '',
						rolloutLabel: p.rollout ? labelOf(p.rollout.firmware_id) + ' → ' + p.rollout.percent + ' %' : ''
					});
				}),
				devices: _.map(results.devices || [], function(d) {
					return _.assign({}, d, { model: d.brand ? d.brand + '/' + d.family + '/' + d.model : '', assignedVersion: d.assigned ? d.assigned.version : '' });
				})
			};
		},

		firmwareBindEvents: function(template, container) {
			var self = this,
				refresh = function() { self.firmwareRender({ container: container }); };

			template.find('.phoneprov-firmware-upload').on('click', function(e) {
				e.preventDefault();
				self.firmwareUpload(template, refresh);
			});

			template.find('.phoneprov-firmware-policy-save').on('click', function(e) {
				var parts = template.find('#phoneprov_fw_model').val().split('/'),
					pinned = template.find('#phoneprov_fw_pinned').val(),
					rollout = template.find('#phoneprov_fw_rollout').val(),
					percent = parseInt(template.find('#phoneprov_fw_percent').val(), 10);

				e.preventDefault();
				self.phoneprovRequest({
					resource: 'phoneprov.firmware.policy.update',
					data: {
						brand: parts[0], family: parts[1], model: parts[2],
						data: { firmware_id: pinned || null, rollout: rollout ? { firmware_id: rollout, percent: isNaN(percent) ? 0 : percent } : null }
					},
					success: refresh
				});
			});

			template.find('.phoneprov-firmware-policy-delete').on('click', function(e) {
				var parts = $(this).data('key').split('/');

				e.preventDefault();
				self.phoneprovRequest({
					resource: 'phoneprov.firmware.policy.delete',
					data: { brand: parts[0], family: parts[1], model: parts[2], data: {} },
					success: refresh
				});
			});
		},

		/** The file's bytes as the body, its description in the query (docs/firmware.md). */
		firmwareUpload: function(template, done) {
			var self = this,
				file = template.find('#phoneprov_fw_file')[0].files[0],
				query = $.param({
					brand: template.find('#phoneprov_fw_brand').val(),
					models: template.find('#phoneprov_fw_models').val(),
					version: template.find('#phoneprov_fw_version').val(),
					file_name: file ? file.name : '',
					sha256: template.find('#phoneprov_fw_sha256').val()
				});

			if (!file) {
				monster.ui.toast({ type: 'error', message: self.i18n.active().phoneprov.firmware.chooseFile });
				return;
			}
			$.ajax({
				url: root + 'firmware?' + query,
				type: 'POST',
				data: file,
				processData: false,
				contentType: 'application/octet-stream',
				headers: { 'X-Auth-Token': self.getAuthToken ? self.getAuthToken() : monster.util.getAuthToken() },
				success: function() {
					monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.firmware.uploaded });
					done();
				},
				error: function(xhr) {
					self.phoneprovToastError(self.phoneprovFailureOf(xhr, xhr).envelope);
				}
			});
		}
	};

	return firmware;
});

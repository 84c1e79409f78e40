/*
 * Resync tab (admins): make phones fetch their file now — one device, every device of a model, or
 * the whole account — through our server, which asks Kazoo (devices/{id}/sync) at the configured
 * pace; and follow which phones fetched the new file.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var provisionerRoot = (monster.config.api && monster.config.api.provisioner) || '';
	var POLL_MS = 5000;

	var resync = {

		requests: {
			'phoneprov.resync.get': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/resync', verb: 'GET', generateError: false },
			'phoneprov.resync.start': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/resync', verb: 'POST', generateError: false },
			'phoneprov.resync.resume': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/resync/resume', verb: 'POST', generateError: false },
			'phoneprov.resync.cancel': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/resync', verb: 'DELETE', generateError: false }
		},

		subscribe: {},

		resyncRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.phoneprovRequest({
				resource: 'phoneprov.devices.list',
				success: function(devices) {
					if (!isCurrent()) {
						return;
					}
					var models = _.uniq(_.compact(_.map(devices, function(d) {
							return d.template_found ? d.brand + '/' + d.family + '/' + d.model : null;
						}))).sort(),
						template = $(self.getTemplate({
							name: 'layout',
							submodule: 'resync',
							data: { devices: devices, models: models }
						}));

					self.resyncBindEvents(template, isCurrent);
					container.empty().append(template);
					self.resyncShowJob(template, isCurrent);
				},
				unavailable: function() {
					self.phoneprovUnavailable(container, self.i18n.active().phoneprov.tabs.resync);
				}
			});
		},

		resyncBindEvents: function(template, isCurrent) {
			var self = this,
				scope = template.find('#phoneprov_resync_scope'),
				send = function(resource, data) {
					self.phoneprovRequest({
						resource: resource,
						data: { data: data || {} },
						success: function() { self.resyncShowJob(template, isCurrent); },
						error: function(envelope) { self.phoneprovToastError(envelope); }
					});
				};

			scope.on('change', function() {
				template.find('.phoneprov-resync-model').toggle(scope.val() === 'model');
				template.find('.phoneprov-resync-device').toggle(scope.val() === 'device');
			}).trigger('change');
			template.find('.phoneprov-resync-start').on('click', function(e) {
				var data = {};

				e.preventDefault();
				if (scope.val() === 'model') {
					data.model = template.find('#phoneprov_resync_model').val();
				} else if (scope.val() === 'device') {
					data.device_id = template.find('#phoneprov_resync_device').val();
				}
				monster.ui.confirm(self.i18n.active().phoneprov.resync.confirm, function() {
					send('phoneprov.resync.start', data);
				});
			});
			template.on('click', '.phoneprov-resync-resume', function(e) {
				e.preventDefault();
				send('phoneprov.resync.resume');
			});
			template.on('click', '.phoneprov-resync-cancel', function(e) {
				e.preventDefault();
				send('phoneprov.resync.cancel');
			});
			template.find('.phoneprov-resync-refresh').on('click', function(e) {
				e.preventDefault();
				self.resyncShowJob(template, isCurrent);
			});
		},

		/** The last job's progress; polled while it runs and the tab is shown. */
		resyncShowJob: function(template, isCurrent) {
			var self = this,
				target = template.find('.phoneprov-resync-job');

			self.phoneprovRequest({
				resource: 'phoneprov.resync.get',
				success: function(job) {
					if (!isCurrent()) {
						return;
					}
					target.html(self.getTemplate({
						name: 'job',
						submodule: 'resync',
						data: {
							job: job,
							running: job.state === 'running',
							paused: job.state === 'paused',
							items: _.map(job.items, function(i) {
								return _.assign({}, i, {
									requestLabel: self.i18n.active().phoneprov.resync.requests[i.request],
									lastFetched: i.last_fetched_at ? monster.util.toFriendlyDate(new Date(i.last_fetched_at)) : ''
								});
							})
						}
					}));
					if (job.state === 'running') {
						setTimeout(function() {
							if (isCurrent()) {
								self.resyncShowJob(template, isCurrent);
							}
						}, POLL_MS);
					}
				},
				error: function(envelope, status) {
					target.html(status === 404 ? $('<p class="phoneprov-muted">').text(self.i18n.active().phoneprov.resync.none) : '');
				},
				unavailable: function() { target.empty(); }
			});
		}
	};

	return resync;
});

/*
 * Bulk tab (admins): import desk phones from a CSV (mac,model,user,name) — checked first, every
 * row's result shown, then created all or nothing in Kazoo by our server — and export the account's
 * devices with their provisioning state as CSV.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var provisionerRoot = (monster.config.api && monster.config.api.provisioner) || '';

	var bulk = {

		requests: {
			'phoneprov.bulk.check': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/import/check', verb: 'POST', generateError: false },
			'phoneprov.bulk.import': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/import', verb: 'POST', generateError: false }
		},

		subscribe: {},

		bulkRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				template = $(self.getTemplate({ name: 'layout', submodule: 'bulk', data: {} }));

			self.phoneprovTicket(container);
			self.bulkBindEvents(template);
			container.empty().append(template);
		},

		bulkBindEvents: function(template) {
			var self = this,
				csv = template.find('#phoneprov_bulk_csv'),
				send = function(resource) {
					self.phoneprovRequest({
						resource: resource,
						data: { data: { csv: csv.val() } },
						success: function(result) {
							self.bulkShowRows(template, result);
							if (!result.dry_run) {
								monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.bulk.created });
							}
						},
						error: function(envelope) {
							self.phoneprovToastError(envelope);
							if (envelope && envelope.data && envelope.data.rows) {
								self.bulkShowRows(template, envelope.data);
							}
						}
					});
				};

			template.find('#phoneprov_bulk_file').on('change', function() {
				var file = this.files && this.files[0],
					reader = new FileReader();

				if (!file) {
					return;
				}
				reader.onload = function() { csv.val(reader.result); };
				reader.readAsText(file);
			});
			template.find('.phoneprov-bulk-check').on('click', function(e) {
				e.preventDefault();
				send('phoneprov.bulk.check');
			});
			template.find('.phoneprov-bulk-import').on('click', function(e) {
				e.preventDefault();
				monster.ui.confirm(self.i18n.active().phoneprov.bulk.confirm, function() {
					send('phoneprov.bulk.import');
				});
			});
			template.find('.phoneprov-bulk-export').on('click', function(e) {
				e.preventDefault();
				self.bulkExport();
			});
		},

		bulkShowRows: function(template, result) {
			var self = this;

			template.find('.phoneprov-bulk-result').html(self.getTemplate({
				name: 'rows',
				submodule: 'bulk',
				data: {
					result: result,
					rows: _.map(result.rows, function(r) {
						return _.assign({}, r, { failed: r.status === 'error', reasons: r.errors.join('; ') });
					})
				}
			}));
		},

		/** The CSV needs our token header, so it is fetched and handed to the browser as a file. */
		bulkExport: function() {
			var self = this;

			$.ajax({
				url: provisionerRoot + 'accounts/' + self.accountId + '/devices/export',
				headers: { 'X-Auth-Token': self.getAuthToken() },
				dataType: 'text',
				success: function(text) {
					var link = document.createElement('a');

					link.href = URL.createObjectURL(new Blob([ text ], { type: 'text/csv' }));
					link.download = 'devices-' + self.accountId + '.csv';
					document.body.appendChild(link);
					link.click();
					document.body.removeChild(link);
				},
				error: function(xhr) {
					self.phoneprovToastError(self.phoneprovFailureOf(null, xhr).envelope);
				}
			});
		}
	};

	return bulk;
});

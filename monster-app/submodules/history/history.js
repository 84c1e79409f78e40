/*
 * History: the account's audit trail (who changed what, secrets masked by the server), what changed
 * for a phone since it last fetched its file, and a template's kept revisions with rollback.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var history = {

		requests: {},

		subscribe: {},

		historyRender: function(args) {
			var self = this,
				container = (args && args.container) || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			monster.parallel({
				devices: self.phoneprovTask('phoneprov.devices.list', []),
				templates: self.phoneprovTask('phoneprov.templates.list', [])
			}, function(err, results) {
				if (!isCurrent()) {
					return;
				}
				var template = $(self.getTemplate({
					name: 'layout',
					submodule: 'history',
					data: { devices: results.devices, templates: results.templates }
				}));

				container.empty().append(template);
				self.historyBindEvents(template);
				self.historyLoadAudit(template, null);
			});
		},

		historyBindEvents: function(template) {
			var self = this;

			template.find('.phoneprov-history-filter').on('click', function(e) {
				e.preventDefault();
				template.find('.phoneprov-history-events').empty();
				self.historyLoadAudit(template, null);
			});
			template.on('click', '.phoneprov-history-more', function(e) {
				e.preventDefault();
				self.historyLoadAudit(template, $(this).data('next'));
				$(this).remove();
			});
			template.find('#phoneprov_history_device').on('change', function() {
				self.historyLoadDiff(template, $(this).val());
			});
			template.find('#phoneprov_history_template').on('change', function() {
				self.historyLoadRevisions(template, $(this).val());
			});
			template.on('click', '.phoneprov-history-rollback', function(e) {
				e.preventDefault();
				self.historyRollback(template, template.find('#phoneprov_history_template').val(), $(this).data('revision'));
			});
		},

		/** One page of the trail, appended; `start` is the previous page's `next`. */
		historyLoadAudit: function(template, start) {
			var self = this,
				type = template.find('#phoneprov_history_object_type').val(),
				id = $.trim(template.find('#phoneprov_history_object_id').val() || ''),
				filters = { limit: '25' };

			if (start) {
				filters.start = start;
			}
			if (type && id) {
				filters.object_type = type;
				filters.object_id = id;
			}
			self.phoneprovRequest({
				resource: 'phoneprov.history.audit',
				data: { filters: filters },
				success: function(page) {
					var rows = $(self.getTemplate({
						name: 'events',
						submodule: 'history',
						data: {
							events: _.map(page.events, function(ev) {
								return _.assign({}, ev, {
									when: new Date(ev.at).toISOString().replace('T', ' ').slice(0, 19),
									whoText: (ev.who && (ev.who.name || ev.who.type)) || '',
									changeLines: _.map(ev.changes, function(c) {
										return c.path + ': ' + self.historyValue(c.before) + ' → ' + self.historyValue(c.after);
									})
								});
							}),
							next: page.next
						}
					}));

					template.find('.phoneprov-history-events').append(rows);
				},
				error: function(envelope) {
					self.phoneprovToastError(envelope);
				}
			});
		},

		/** A value of a diff as text; absent (created or removed) as a dash. */
		historyValue: function(value) {
			return value === undefined ? '—' : JSON.stringify(value);
		},

		historyLoadDiff: function(template, deviceId) {
			var self = this,
				target = template.find('.phoneprov-history-diff');

			target.empty();
			if (!deviceId) {
				return;
			}
			self.phoneprovRequest({
				resource: 'phoneprov.history.diff',
				data: { deviceId: deviceId },
				success: function(diff) {
					target.append(self.getTemplate({
						name: 'diff',
						submodule: 'history',
						data: {
							diff: diff,
							fetchedAt: new Date(diff.fetched.at).toISOString().replace('T', ' ').slice(0, 19),
							lines: _.map(diff.lines, function(l) {
								return { cls: l.op === '+' ? 'added' : (l.op === '-' ? 'removed' : 'same'), text: l.op + ' ' + l.line };
							})
						}
					}));
				},
				error: function(envelope) {
					target.text(envelope.message || '');
				}
			});
		},

		historyLoadRevisions: function(template, templateId) {
			var self = this,
				target = template.find('.phoneprov-history-revisions');

			target.empty();
			if (!templateId) {
				return;
			}
			self.phoneprovRequest({
				resource: 'phoneprov.templates.history',
				data: { templateId: templateId },
				success: function(revisions) {
					target.append(self.getTemplate({
						name: 'revisions',
						submodule: 'history',
						data: {
							revisions: _.map(revisions, function(r, i) {
								return _.assign({}, r, {
									when: new Date(r.at).toISOString().replace('T', ' ').slice(0, 19),
									whoText: (r.who && (r.who.name || r.who.type)) || '',
									current: i === 0
								});
							})
						}
					}));
				},
				error: function(envelope) {
					target.text(envelope.message || '');
				}
			});
		},

		/** Rolls back with the _rev just read, so an edit made meanwhile is refused, not undone. */
		historyRollback: function(template, templateId, revision) {
			var self = this;

			monster.ui.confirm(self.i18n.active().phoneprov.history.rollbackConfirm, function() {
				self.phoneprovRequest({
					resource: 'phoneprov.templates.get',
					data: { templateId: templateId },
					success: function(doc) {
						self.phoneprovRequest({
							resource: 'phoneprov.templates.rollback',
							data: { templateId: templateId, data: { revision: revision, _rev: doc._rev } },
							success: function() {
								monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.history.rolledBack });
								self.historyLoadRevisions(template, templateId);
								template.find('.phoneprov-history-events').empty();
								self.historyLoadAudit(template, null);
							}
						});
					}
				});
			});
		}
	};

	return history;
});

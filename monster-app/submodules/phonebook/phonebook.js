/*
 * Phonebook tab: the account's directory as phones get it (Kazoo users with their extensions, then
 * the operator's list), and, for admins, the operator's list to edit. Saving sends the rev read, so
 * an edit made meanwhile by someone else is reported instead of overwritten.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var phonebook = {

		requests: {},

		subscribe: {},

		phonebookRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.phoneprovRequest({
				resource: 'phoneprov.phonebook.get',
				success: function(data) {
					if (!isCurrent()) {
						return;
					}
					var template = $(self.getTemplate({
						name: 'layout',
						submodule: 'phonebook',
						data: {
							isAdmin: self.phoneprovIsAdmin(),
							merged: _.map(data.merged, function(e) {
								return _.assign({}, e, { sourceText: self.i18n.active().phoneprov.phonebook.sources[e.source] });
							})
						}
					}));

					self.phonebookBindEvents(template, data, container);
					container.empty().append(template);
				},
				unavailable: function() {
					container.empty().append($('<div class="phoneprov-notice"></div>').text(self.i18n.active().phoneprov.unavailable.toast));
				}
			});
		},

		phonebookBindEvents: function(template, data, container) {
			var self = this,
				rows = template.find('.phoneprov-phonebook-rows'),
				addRow = function(entry) {
					rows.append($(self.getTemplate({ name: 'row', submodule: 'phonebook', data: entry })));
				};

			_.each(data.entries, addRow);
			template.find('.phoneprov-phonebook-add').on('click', function(e) {
				e.preventDefault();
				addRow({ name: '', number: '' });
			});

			rows.on('click', '.phoneprov-phonebook-remove', function(e) {
				e.preventDefault();
				$(this).closest('.phoneprov-phonebook-row').remove();
			});

			template.find('.phoneprov-phonebook-form').on('submit', function(e) {
				e.preventDefault();
				var entries = rows.find('.phoneprov-phonebook-row').map(function() {
					var row = $(this);

					return { name: row.find('[name="name"]').val(), number: row.find('[name="number"]').val() };
				}).get();

				self.phoneprovRequest({
					resource: 'phoneprov.phonebook.update',
					data: { data: { entries: entries, rev: data.rev } },
					success: function() {
						monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.phonebook.saved });
						self.phonebookRender({ container: container });
					}
				});
			});
		}
	};

	return phonebook;
});

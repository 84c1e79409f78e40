/*
 * Settings tab (admins): the Kazoo account's `provision` fields (through Kazoo's API), our
 * provisioning settings (locks, CIDRs, provisioning windows) and SessionTalk's (through our API).
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var SESSIONTALK_TOGGLES = [ 'srtp', 'video', 'messaging', 'callrecording' ];

	var settings = {

		requests: {},

		subscribe: {},

		settingsRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.settingsGetData(function(data) {
				if (!isCurrent()) {
					return;
				}
				var template = $(self.getTemplate({
					name: 'layout',
					submodule: 'settings',
					// Monster strips newlines unless told not to: the allowed networks are one per line.
					ignoreSpaces: true,
					data: data
				}));

				self.settingsBindEvents(template, data, container);
				container.empty().append(template);
			});
		},

		settingsGetData: function(callback) {
			var self = this,
				ours = function(resource) { return self.phoneprovTask(resource, null); };

			monster.parallel({
				account: function(next) {
					self.callApi({
						resource: 'account.get',
						data: { accountId: self.accountId },
						success: function(response) { next(null, response.data); },
						error: function() { next(null, null); }
					});
				},
				provisioning: ours('phoneprov.settings.get'),
				windows: ours('phoneprov.windows.list'),
				sessiontalk: ours('phoneprov.mobile.settings.get')
			}, function(err, results) {
				callback(self.settingsFormatData(results));
			});
		},

		settingsFormatData: function(results) {
			var self = this,
				provision = (results.account && results.account.provision) || {},
				st = results.sessiontalk;

			return {
				account: results.account ? {
					enabled: provision.provision_enabled !== false && provision.provision_enabled !== 'false',
					urlpass: provision.urlpass || '',
					adminPassword: provision.admin_password || ''
				} : null,
				provisioning: results.provisioning ? _.assign({}, results.provisioning, {
					cidrsText: (results.provisioning.cidrs || []).join('\n')
				}) : null,
				// An empty list is a working server with no window open (Handlebars' #if treats [] as false).
				windowsAvailable: results.windows !== null,
				windows: results.windows ? _.map(results.windows, function(w) {
					return _.assign({}, w, { until: self.phoneprovFormatTime(w.until || w.expires_at) });
				}) : null,
				sessiontalk: st ? _.assign({}, st, {
					transportOptions: _.map([ '', 'UDP', 'TCP', 'TLS' ], function(t) {
						return { value: t, selected: (st.transport || '') === t };
					}),
					toggles: _.map(SESSIONTALK_TOGGLES, function(key) {
						return { key: key, label: self.i18n.active().phoneprov.settings.sessiontalk[key], checked: st[key] === 'Enabled' };
					}),
					moveOptions: _.map([ 'move', 'deny' ], function(m) {
						return { value: m, selected: st.move_policy === m, label: self.i18n.active().phoneprov.settings.sessiontalk.move[m] };
					})
				}) : null
			};
		},

		settingsBindEvents: function(template, data, container) {
			var self = this;

			template.find('.phoneprov-urlpass-generate').on('click', function(e) {
				e.preventDefault();
				template.find('#phoneprov_settings_urlpass').val(self.phoneprovRandomString(24));
			});

			template.find('.phoneprov-settings-account-save').on('click', function(e) {
				e.preventDefault();
				self.settingsSaveAccount(template);
			});

			template.find('.phoneprov-settings-provisioning-save').on('click', function(e) {
				e.preventDefault();
				self.settingsSaveProvisioning(template, data.provisioning);
			});

			template.find('.phoneprov-settings-window-open').on('click', function(e) {
				var ip = template.find('#phoneprov_window_ip');

				e.preventDefault();
				self.settingsClearErrors(ip.parent());
				self.phoneprovRequest({
					resource: 'phoneprov.windows.open',
					data: {
						ip: template.find('#phoneprov_window_ip').val(),
						hours: template.find('#phoneprov_window_hours').val(),
						data: {}
					},
					success: function() {
						monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.settings.saved });
						self.settingsRender({ container: container });
					},
					error: function(envelope) {
						ip.addClass('phoneprov-invalid').parent().append($('<div class="phoneprov-field-error">').text(envelope.message));
					}
				});
			});

			template.find('.phoneprov-settings-sessiontalk-save').on('click', function(e) {
				e.preventDefault();
				self.settingsSaveSessiontalk(template);
			});
		},

		/* Kazoo replaces the whole document on POST: read it, change `provision`, write it back. */
		settingsSaveAccount: function(template) {
			var self = this;

			self.callApi({
				resource: 'account.get',
				data: { accountId: self.accountId },
				success: function(response) {
					var account = response.data,
						provision = _.assign({}, account.provision, {
							provision_enabled: template.find('#phoneprov_settings_enabled').is(':checked'),
							urlpass: template.find('#phoneprov_settings_urlpass').val(),
							admin_password: template.find('#phoneprov_settings_admin_password').val()
						});

					_.each([ 'urlpass', 'admin_password' ], function(key) {
						if (provision[key] === '') {
							delete provision[key];
						}
					});
					self.callApi({
						resource: 'account.update',
						data: { accountId: self.accountId, data: _.assign({}, account, { provision: provision }) },
						success: function() {
							monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.settings.saved });
						}
					});
				}
			});
		},

		settingsSaveProvisioning: function(template, current) {
			var self = this,
				form = template.find('.phoneprov-settings-provisioning'),
				next = _.assign({}, _.omit(current, [ 'cidrsText' ]), {
					cidrs: _.compact(_.map(form.find('#phoneprov_settings_cidrs').val().split(/[\s,]+/), _.trim))
				});

			form.find('input[type="checkbox"][data-key]').each(function() {
				next[$(this).data('key')] = $(this).is(':checked');
			});
			// The box shows the effective value; left as shown, an unset setting stays unset (it then
			// follows the account's urlpass) instead of being pinned by saving something else.
			if (next.require_credentials === current.require_credentials) {
				next.require_credentials = current.require_credentials_setting;
			}
			self.settingsClearErrors(form);
			self.phoneprovRequest({
				resource: 'phoneprov.settings.update',
				data: { data: next },
				success: function() {
					monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.settings.saved });
				},
				error: function(envelope) {
					self.settingsShowErrors(form, envelope);
				}
			});
		},

		settingsSaveSessiontalk: function(template) {
			var self = this,
				form = template.find('.phoneprov-settings-sessiontalk'),
				transport = form.find('[name="transport"]').val(),
				next = {
					provider_id: form.find('[name="provider_id"]').val(),
					base_domain: form.find('[name="base_domain"]').val(),
					max_activations: parseInt(form.find('[name="max_activations"]').val(), 10),
					qr_lifetime: parseInt(form.find('[name="qr_lifetime"]').val(), 10),
					transport: transport === '' ? null : transport,
					move_policy: form.find('[name="move_policy"]').val(),
					windows_link: form.find('[name="windows_link"]').is(':checked')
				};

			_.each(SESSIONTALK_TOGGLES, function(key) {
				next[key] = form.find('[name="' + key + '"]').is(':checked') ? 'Enabled' : 'Disabled';
			});
			self.settingsClearErrors(form);
			self.phoneprovRequest({
				resource: 'phoneprov.mobile.settings.update',
				data: { data: next },
				success: function() {
					monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.settings.saved });
				},
				error: function(envelope) {
					self.settingsShowErrors(form, envelope);
				}
			});
		},

		settingsClearErrors: function(form) {
			form.find('.phoneprov-field-error').remove();
			form.find('.phoneprov-invalid').removeClass('phoneprov-invalid');
		},

		/* Our 400s name the field: data.<field> (SessionTalk) or data.pointer / data.problems. */
		settingsShowErrors: function(form, envelope) {
			var data = envelope.data || {},
				fields = _.keys(data),
				placed = false;

			_.each(data.problems || [], function(p) {
				fields.push(String(p.pointer || '').split('/')[1]);
			});
			if (data.pointer) {
				fields.push(String(data.pointer).split('/')[1]);
			}
			_.each(_.uniq(fields), function(field) {
				var input = form.find('[name="' + field + '"], [data-key="' + field + '"]').first();

				if (input.length && !placed) {
					input.addClass('phoneprov-invalid').after($('<div class="phoneprov-field-error">').text(envelope.message));
					placed = true;
				}
			});
			if (!placed) {
				form.find('.phoneprov-dialog-actions').before($('<div class="phoneprov-field-error">').text(envelope.message));
			}
		}
	};

	return settings;
});

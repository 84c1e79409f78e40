/*
 * Mobile tab: SessionTalk activation QR codes for a device, the installs activated with them
 * (last seen, enable/disable, deactivate) and unused codes (revoke).
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var mobile = {

		requests: {},

		subscribe: {},

		mobileRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.mobileGetData(function(data) {
				if (!isCurrent()) {
					return;
				}
				var template;

				if (!data) {
					self.phoneprovUnavailable(container, self.i18n.active().phoneprov.tabs.mobile);
					return;
				}
				template = $(self.getTemplate({
					name: 'layout',
					submodule: 'mobile',
					data: data
				}));
				template.find('.phoneprov-mobile-lists').replaceWith($(self.getTemplate({
					name: 'lists',
					submodule: 'mobile',
					data: data
				})));
				self.mobileBindEvents(template, data, container);
				container.empty().append(template);
			});
		},

		/* Users see their own devices; admins every device of the account. */
		mobileGetData: function(callback) {
			var self = this,
				isAdmin = self.phoneprovIsAdmin(),
				userId = self.userId;

			monster.parallel({
				devices: function(next) {
					self.phoneprovKazooDevices(function(list) {
						next(null, _.filter(list, function(d) { return isAdmin || d.owner_id === userId; }));
					});
				},
				activations: function(next) {
					self.phoneprovRequest({
						resource: 'phoneprov.mobile.activations.list',
						success: function(list) { next(null, list); },
						unavailable: function() { next(null, null); },
						error: function() { next(null, []); }
					});
				},
				codes: function(next) {
					self.phoneprovRequest({
						resource: 'phoneprov.mobile.codes.list',
						success: function(list) { next(null, list); },
						unavailable: function() { next(null, null); },
						error: function() { next(null, []); }
					});
				}
			}, function(err, results) {
				if (results.activations === null || results.codes === null) {
					return callback(null);
				}
				callback(self.mobileFormatData(results, isAdmin));
			});
		},

		mobileFormatData: function(results, isAdmin) {
			var self = this,
				names = _.keyBy(results.devices, 'id'),
				nameOf = function(id) { return names[id] ? names[id].name : id; };

			return {
				isAdmin: isAdmin,
				devices: results.devices,
				activations: _.map(_.sortBy(results.activations, 'created_at').reverse(), function(a) {
					return _.assign({}, a, {
						deviceNames: _.map(a.device_ids || [ a.device_id ], nameOf).join(', '),
						createdAt: self.phoneprovFormatTime(a.created_at),
						lastSeen: self.phoneprovFormatTime(a.last_seen)
					});
				}),
				codes: _.map(_.filter(results.codes, { status: 'pending' }), function(c) {
					return _.assign({}, c, {
						deviceName: nameOf(c.device_id),
						createdAt: self.phoneprovFormatTime(c.created_at),
						expiresAt: self.phoneprovFormatTime(c.expires_at)
					});
				})
			};
		},

		mobileBindEvents: function(template, data, container) {
			var self = this,
				refresh = function() { self.mobileRender({ container: container }); };

			template.find('.phoneprov-mobile-generate').on('click', function(e) {
				var deviceId = template.find('#phoneprov_mobile_device').val();

				e.preventDefault();
				if (!deviceId) {
					return;
				}
				self.phoneprovRequest({
					resource: 'phoneprov.mobile.codes.create',
					data: { data: { device_id: deviceId } },
					success: function(code) {
						self.mobileShowCode(template, code);
						self.mobileRefreshLists(template, container);
					}
				});
			});

			template.on('click', '.phoneprov-activation-deactivate', function() {
				var id = $(this).parents('tr').data('id');

				monster.ui.confirm(self.i18n.active().phoneprov.mobile.deactivateConfirm, function() {
					self.phoneprovRequest({
						resource: 'phoneprov.mobile.activations.delete',
						data: { activationId: id, data: {} },
						success: function() {
							monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.mobile.deactivated });
							self.mobileRefreshLists(template, container);
						}
					});
				});
			});

			template.on('click', '.phoneprov-activation-toggle', function() {
				var row = $(this).parents('tr');

				self.phoneprovRequest({
					resource: 'phoneprov.mobile.activations.update',
					data: { activationId: row.data('id'), data: { enabled: !row.data('enabled') } },
					success: function() {
						self.mobileRefreshLists(template, container);
					}
				});
			});

			template.on('click', '.phoneprov-code-revoke', function() {
				var id = $(this).parents('tr').data('id');

				self.phoneprovRequest({
					resource: 'phoneprov.mobile.codes.revoke',
					data: { codeId: id, data: {} },
					success: function() {
						monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.mobile.revoked });
						self.mobileRefreshLists(template, container);
					}
				});
			});

			template.find('.phoneprov-mobile-refresh').on('click', refresh);
		},

		/* Re-renders only the two lists, so the QR code on screen stays. */
		mobileRefreshLists: function(template) {
			var self = this;

			self.mobileGetData(function(data) {
				if (!data) {
					return;
				}
				template.find('.phoneprov-mobile-lists').replaceWith($(self.getTemplate({
					name: 'lists',
					submodule: 'mobile',
					data: data
				})));
			});
		},

		mobileShowCode: function(template, code) {
			var self = this,
				target = template.find('.phoneprov-mobile-code'),
				expires = Date.parse(code.expires_at),
				countdown;

			target.html(self.getTemplate({
				name: 'code',
				submodule: 'mobile',
				data: code
			}));
			countdown = target.find('.phoneprov-countdown');

			clearInterval(self.appFlags.phoneprov.countdownTimer);
			function tick() {
				var left = Math.max(0, Math.floor((expires - Date.now()) / 1000));

				// Stop once the tab is left (the element is gone) or the code expired.
				if (!$.contains(document.documentElement, countdown[0]) || left === 0) {
					clearInterval(self.appFlags.phoneprov.countdownTimer);
				}
				countdown.text(left === 0 ? self.i18n.active().phoneprov.mobile.expired : self.mobileFormatDuration(left));
			}
			tick();
			self.appFlags.phoneprov.countdownTimer = setInterval(tick, 1000);
		},

		mobileFormatDuration: function(seconds) {
			var d = Math.floor(seconds / 86400),
				h = Math.floor(seconds % 86400 / 3600),
				m = Math.floor(seconds % 3600 / 60),
				s = seconds % 60,
				pad = function(n) { return n < 10 ? '0' + n : String(n); };

			return (d ? d + 'd ' : '') + pad(h) + ':' + pad(m) + ':' + pad(s);
		}
	};

	return mobile;
});

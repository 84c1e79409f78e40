/*
 * phoneprov — the Monster UI app of kazoo-provision.
 *
 * ES5 only: Monster's build minifies apps with uglify-js 2, which rejects newer syntax.
 * Our server is reached through `requests` (apiRoot = monster.config.api.provisioner, which ends
 * with '/'); Kazoo through self.callApi. Every tab lives in a submodule (submodules/<tab>/<tab>.js).
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var provisionerRoot = (monster.config.api && monster.config.api.provisioner) || '';

	var app = {
		name: 'phoneprov',

		css: [ 'app' ],

		i18n: {
			'en-US': { customCss: false },
			'de-DE': { customCss: false }
		},

		subModules: [ 'devices', 'devicesModel', 'devicesAdopt', 'devicesPreview', 'devicesCredentials', 'devicesSettings', 'mobile', 'templates', 'settings', 'history', 'resync', 'bulk', 'firmware',
			'phonebook' ],

		appFlags: {
			phoneprov: {
				// Set once per load: whether our server answers at all.
				configured: !!provisionerRoot
			}
		},

		requests: {
			'phoneprov.phones': { apiRoot: provisionerRoot, url: 'phones', verb: 'GET', generateError: false },
			'phoneprov.devices.list': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices', verb: 'GET', generateError: false },
			'phoneprov.devices.files': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/config', verb: 'GET', generateError: false },
			'phoneprov.devices.file': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/config/{file}', verb: 'GET', generateError: false },
			'phoneprov.devices.credentials': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/credentials', verb: 'GET', generateError: false },
			'phoneprov.devices.rotate': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/credentials/rotate', verb: 'POST', generateError: false },
			'phoneprov.conflicts': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/conflicts', verb: 'GET', generateError: false },
			'phoneprov.unknownMacs': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/unknown-macs', verb: 'GET', generateError: false },
			'phoneprov.locks.delete': { apiRoot: provisionerRoot, url: 'locks/{accountId}/{macAddress}', verb: 'DELETE', generateError: false },
			'phoneprov.windows.list': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/provisioning/windows', verb: 'GET', generateError: false },
			'phoneprov.windows.open': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/provisioning/windows/{ip}/hours/{hours}', verb: 'PUT', generateError: false },
			'phoneprov.settings.get': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/provisioning/settings', verb: 'GET', generateError: false },
			'phoneprov.settings.update': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/provisioning/settings', verb: 'PUT', generateError: false },
			'phoneprov.phoneSettings.effective': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/phone-settings/effective', verb: 'GET', generateError: false },
			'phoneprov.phoneSettings.device.get': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/phone-settings', verb: 'GET', generateError: false },
			'phoneprov.phoneSettings.device.update': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/phone-settings', verb: 'PUT', generateError: false },
			'phoneprov.phoneSettings.account.get': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/phone-settings', verb: 'GET', generateError: false },
			'phoneprov.phoneSettings.account.update': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/phone-settings', verb: 'PUT', generateError: false },
			'phoneprov.templates.list': { apiRoot: provisionerRoot, url: 'catalog/templates', verb: 'GET', generateError: false },
			'phoneprov.templates.get': { apiRoot: provisionerRoot, url: 'catalog/templates/{templateId}', verb: 'GET', generateError: false },
			'phoneprov.templates.update': { apiRoot: provisionerRoot, url: 'catalog/templates/{templateId}', verb: 'PUT', generateError: false },
			'phoneprov.templates.create': { apiRoot: provisionerRoot, url: 'catalog/templates', verb: 'POST', generateError: false },
			'phoneprov.templates.import': { apiRoot: provisionerRoot, url: 'catalog/import', verb: 'POST', generateError: false },
			'phoneprov.templates.history': { apiRoot: provisionerRoot, url: 'catalog/templates/{templateId}/history', verb: 'GET', generateError: false },
			'phoneprov.templates.rollback': { apiRoot: provisionerRoot, url: 'catalog/templates/{templateId}/rollback', verb: 'POST', generateError: false },
			'phoneprov.history.audit': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/audit', verb: 'GET', generateError: false },
			'phoneprov.history.diff': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/devices/{deviceId}/fetches/diff', verb: 'GET', generateError: false },
			'phoneprov.mobile.settings.get': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/settings', verb: 'GET', generateError: false },
			'phoneprov.mobile.settings.update': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/settings', verb: 'PUT', generateError: false },
			'phoneprov.mobile.codes.create': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/codes', verb: 'POST', generateError: false },
			'phoneprov.mobile.codes.list': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/codes', verb: 'GET', generateError: false },
			'phoneprov.mobile.codes.revoke': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/codes/{codeId}', verb: 'DELETE', generateError: false },
			'phoneprov.mobile.activations.list': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/activations', verb: 'GET', generateError: false },
			'phoneprov.mobile.activations.delete': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/activations/{activationId}', verb: 'DELETE', generateError: false },
			'phoneprov.phonebook.get': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/phonebook', verb: 'GET', generateError: false },
			'phoneprov.phonebook.update': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/phonebook', verb: 'PUT', generateError: false },
			'phoneprov.mobile.activations.update': { apiRoot: provisionerRoot, url: 'accounts/{accountId}/sessiontalk/activations/{activationId}', verb: 'PATCH', generateError: false }
		},

		subscribe: {},

		/* Monster UI <= 5.0 (4.3 included) needs this boilerplate; 5.1+ defines both itself. */
		load: function(callback) {
			var self = this;

			self.initApp(function() {
				callback && callback(self);
			});
		},

		initApp: function(callback) {
			var self = this;

			monster.pub('auth.initApp', {
				app: self,
				callback: callback
			});
		},

		render: function(container) {
			var self = this,
				isAdmin = self.phoneprovIsAdmin(),
				tabs = [
					{ text: self.i18n.active().phoneprov.tabs.devices, callback: self.devicesRender },
					{ text: self.i18n.active().phoneprov.tabs.mobile, callback: self.mobileRender },
					{ text: self.i18n.active().phoneprov.tabs.phonebook, callback: self.phonebookRender }
				];

			if (isAdmin) {
				tabs.push(
					{ text: self.i18n.active().phoneprov.tabs.templates, callback: self.templatesRender },
					{ text: self.i18n.active().phoneprov.tabs.settings, callback: self.settingsRender },
					{ text: self.i18n.active().phoneprov.tabs.history, callback: self.historyRender },
					{ text: self.i18n.active().phoneprov.tabs.resync, callback: self.resyncRender },
					{ text: self.i18n.active().phoneprov.tabs.bulk, callback: self.bulkRender },
					{ text: self.i18n.active().phoneprov.tabs.firmware, callback: self.firmwareRender }
				);
			}

			monster.ui.generateAppLayout(self, {
				menus: [ { tabs: tabs } ]
			});
		},

		/* Shared helpers (prefixed so submodules cannot clash with them). */

		/**
		 * Tabs render asynchronously into one container: a tab left before its data arrived must
		 * not draw over the next one. Returns a function telling whether this render is still current.
		 */
		phoneprovTicket: function(container) {
			var ticket = String(Math.random());

			container.data('phoneprov-ticket', ticket);
			return function() {
				return container.data('phoneprov-ticket') === ticket;
			};
		},

		phoneprovIsAdmin: function() {
			var user = monster.apps.auth.currentUser || {};

			return user.priv_level === 'admin';
		},

		/**
		 * Calls our server. `unavailable` runs when the endpoint does not exist on this server
		 * (an older kazoo-provision, or no provisioner configured): a 404/405/501 without a Kazoo
		 * envelope, or a network failure. `error` gets the envelope ({error, message, data}).
		 */
		phoneprovRequest: function(args) {
			var self = this,
				data = $.extend(true, { accountId: self.accountId }, args.data || {});

			if (!self.appFlags.phoneprov.configured) {
				args.unavailable && args.unavailable();
				return;
			}

			monster.request({
				resource: args.resource,
				data: data,
				success: function(response) {
					args.success && args.success(response.data, response);
				},
				error: function(parsedError, rawError) {
					var failure = self.phoneprovFailureOf(parsedError, rawError),
						status = failure.status,
						envelope = failure.envelope;

					if (!envelope && (status === 0 || status === 404 || status === 405 || status === 501 || status === undefined)) {
						if (args.unavailable) {
							args.unavailable();
						} else {
							self.phoneprovToastError(null);
						}
						return;
					}
					if (args.error) {
						args.error(envelope || { error: String(status), message: '', data: {} }, status);
					} else {
						self.phoneprovToastError(envelope);
					}
				}
			});
		},

		/**
		 * The HTTP status and our error envelope of a failed monster.request. Monster hands the error
		 * callback the raw jqXHR (twice: its "parsed" error is the same request unless it carried a
		 * `response` field), so the body is read here; a Monster that parsed it already is accepted too.
		 */
		phoneprovFailureOf: function(parsedError, rawError) {
			var xhr = rawError || parsedError || {},
				body = xhr.responseJSON,
				envelope = null;

			if (!body && typeof xhr.responseText === 'string' && xhr.responseText) {
				try {
					body = JSON.parse(xhr.responseText);
				} catch (e) {
					body = null;
				}
			}
			if (body && body.status === 'error') {
				envelope = body;
			} else if (parsedError && parsedError.status === 'error') {
				envelope = parsedError;
			}
			return {
				status: typeof xhr.status === 'number' ? xhr.status : (envelope ? parseInt(envelope.error, 10) : undefined),
				envelope: envelope
			};
		},

		/** A monster.parallel task calling our server: its data, or `fallback` when that fails or is missing. */
		phoneprovTask: function(resource, fallback) {
			var self = this;

			return function(next) {
				self.phoneprovRequest({
					resource: resource,
					success: function(data) { next(null, data); },
					unavailable: function() { next(null, fallback); },
					error: function() { next(null, fallback); }
				});
			};
		},

		/* Kazoo's validation errors carry the reason per field: {data: {mac_address: {unique: {message}}}}. */
		phoneprovKazooErrorText: function(parsed) {
			var details = _.flatMap(_.values((parsed && parsed.data) || {}), function(field) {
				return _.isObject(field) ? _.compact(_.map(_.values(field), 'message')) : [];
			});

			return details.length ? details.join('; ') : ((parsed && parsed.message) || '');
		},

		phoneprovToastError: function(envelope) {
			var self = this;

			monster.ui.toast({
				type: 'error',
				message: (envelope && envelope.message) || self.i18n.active().phoneprov.errors.generic
			});
		},

		/** Renders the "not available on this server" notice into a container. */
		phoneprovUnavailable: function(container, what) {
			var self = this;

			container.html(self.getTemplate({
				name: 'unavailable',
				data: { what: what }
			}));
		},

		/** Kazoo devices of the account, with owners' names, sorted by name. */
		phoneprovKazooDevices: function(callback) {
			var self = this;

			monster.parallel({
				devices: function(next) {
					self.callApi({
						resource: 'device.list',
						data: { accountId: self.accountId, filters: { paginate: 'false' } },
						success: function(response) { next(null, response.data); },
						error: function() { next(null, []); }
					});
				},
				users: function(next) {
					self.phoneprovKazooUsers(function(users) { next(null, users); });
				}
			}, function(err, results) {
				var users = _.keyBy(results.users, 'id'),
					devices = _.map(results.devices, function(device) {
						var owner = device.owner_id && users[device.owner_id];

						return _.assign({}, device, { owner_name: owner ? owner.name : '' });
					});

				callback(_.sortBy(devices, function(d) { return (d.name || '').toLowerCase(); }));
			});
		},

		/** Kazoo users of the account, each with a display `name`, sorted by it. */
		phoneprovKazooUsers: function(callback) {
			var self = this;

			self.callApi({
				resource: 'user.list',
				data: { accountId: self.accountId, filters: { paginate: 'false' } },
				success: function(response) {
					callback(_.sortBy(_.map(response.data, function(user) {
						return _.assign({}, user, { name: _.trim((user.first_name || '') + ' ' + (user.last_name || '')) || user.username || user.id });
					}), function(user) { return user.name.toLowerCase(); }));
				},
				error: function() { callback([]); }
			});
		},

		phoneprovFormatTime: function(value) {
			var self = this,
				date;

			if (value === null || value === undefined || value === '') {
				return '';
			}
			date = new Date(typeof value === 'number' ? value : Date.parse(value));
			// In the language Monster shows (the user's, else the account's), not the browser's.
			return isNaN(date.getTime()) ? String(value) : date.toLocaleString(self.phoneprovLanguage());
		},

		phoneprovLanguage: function() {
			return (monster.config.whitelabel && monster.config.whitelabel.language) || 'en-US';
		},

		/*
		 * A model as people name it ("Yealink T46S", "Polycom VVX400") from the catalog tree
		 * (GET phones); by the template our server found when the device has a former key
		 * (polycom/vvx/400 → ui/polycom/vvx/vvx400); the raw ids when the catalog does not know it.
		 */
		phoneprovModelName: function(tree, brand, family, model, templateId) {
			var find = function(b, f, m) {
					var bd = tree && tree[b],
						fd = bd && bd.families && bd.families[f],
						md = fd && fd.models && fd.models[m];

					return md ? (bd.name || b) + ' ' + (md.name || m) : null;
				},
				parts = String(templateId || '').split('/');

			return find(brand, family, model) ||
				(parts.length === 4 ? find(parts[1], parts[2], parts[3]) : null) ||
				_.compact([ brand, family, model ]).join(' ');
		},

		/*
		 * Secrets from the browser's CSPRNG, not Math.random (which monster.util.randomString uses). By
		 * default letters and digits that cannot be mistaken for each other, safe in a URL (?pass=).
		 */
		phoneprovRandomString: function(length, chars) {
			var bytes = new Uint32Array(length),
				out = '',
				i;

			chars = chars || 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

			window.crypto.getRandomValues(bytes);
			for (i = 0; i < length; i++) {
				out += chars.charAt(bytes[i] % chars.length);
			}
			return out;
		},

		phoneprovFormatMac: function(mac) {
			return mac ? String(mac).toLowerCase().replace(/[^0-9a-f]/g, '').replace(/(..)(?=.)/g, '$1:') : '';
		}
	};

	return app;
});

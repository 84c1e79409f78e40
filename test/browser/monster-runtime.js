/*
 * A small stand-in for Monster UI's runtime, for the browser tests of monster-app/. ES5, AMD.
 * It provides exactly what the app uses, with Monster's semantics (monster-ui src/js/lib/monster.js,
 * monster.apps.js, monster.ui.js, jquery.kazoosdk.js):
 *
 *   monster.config.api.provisioner, monster.config.api.default
 *   monster.apps.auth.currentUser, monster.apps.auth.currentAccount, monster.apps.common (absent here)
 *   monster.pub(topic, data), monster.sub(topic, fn, context)   ('auth.initApp' is answered here)
 *   monster.request({resource, data, success, error})            requests declared in the app's `requests`
 *   monster.parallel(tasks, callback)
 *   monster.ui.generateAppLayout(app, {menus: [{tabs: [{text, callback}]}]})
 *   monster.ui.toast({type, message}), monster.ui.dialog(content, {title}), monster.ui.confirm(text, ok, cancel)
 *   monster.ui.getFormData(formId)
 *   app.getTemplate({name, data, submodule}), app.callApi({resource, data, success, error}),
 *   app.i18n.active(), app.accountId, app.userId, app.apiUrl, app.appPath
 *   Kazoo resources for callApi: account.get, account.update, device.list, device.create, device.get, device.patch, user.list
 *   jQuery UI's .dialog('close') on what monster.ui.dialog returns
 *
 * Test-only: monster.loadApp(name, appPath, container, callback) does what Monster's app loader
 * does (require app.js, i18n, CSS, submodules merged, requests registered, load → render).
 */
define([ 'jquery', 'lodash', 'handlebars' ], function($, _, Handlebars) {
	var cfg = window.__monsterTest || {},
		topics = {},
		requests = {},
		kazooResources = {
			'account.get': { verb: 'GET', url: 'accounts/{accountId}' },
			'account.update': { verb: 'POST', url: 'accounts/{accountId}' },
			'device.list': { verb: 'GET', url: 'accounts/{accountId}/devices' },
			'device.create': { verb: 'PUT', url: 'accounts/{accountId}/devices' },
			'device.get': { verb: 'GET', url: 'accounts/{accountId}/devices/{deviceId}' },
			'device.patch': { verb: 'PATCH', url: 'accounts/{accountId}/devices/{deviceId}' },
			'user.list': { verb: 'GET', url: 'accounts/{accountId}/users' }
		},
		templateCache = {};

	window.__monsterLog = [];

	function log(kind, detail) {
		window.__monsterLog.push({ kind: kind, detail: detail });
	}

	/* monster.request's URL/body rules: {placeholders} from data, filters → query, data.data → body. */
	function buildAjax(root, def, options, headers) {
		var data = _.merge({}, options.data || {}),
			used = [],
			url = root + def.url.replace(/\{([^}]+)\}/g, function(match, key) {
				if (key in data) {
					used.push(key);
					return encodeURIComponent(data[key]);
				}
				return match;
			}),
			query = [],
			verb = (def.verb || 'GET').toUpperCase(),
			settings;

		_.each(used, function(key) { delete data[key]; });
		_.each(data.filters || {}, function(value, key) {
			query.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
		});
		if (verb === 'GET' && !def.cache) {
			query.push('_=' + Date.now());
		}
		if (query.length) {
			url += (url.indexOf('?') < 0 ? '?' : '&') + query.join('&');
		}
		settings = {
			url: url,
			type: verb,
			dataType: 'json',
			contentType: 'application/json',
			crossDomain: true,
			processData: false,
			headers: headers
		};
		if (verb !== 'GET') {
			settings.data = JSON.stringify({
				data: _.isArray(data.data) ? data.data : _.extend({}, data.data, { ui_metadata: { version: '4.3-test', ui: 'monster-ui' } })
			});
		}
		return settings;
	}

	function ajax(settings, success, error) {
		log('request', settings.type + ' ' + settings.url);
		$.ajax(settings).done(function(response) {
			success && success(response);
		}).fail(function(xhr) {
			var parsed = xhr.responseJSON;

			if (!parsed && xhr.responseText) {
				try { parsed = JSON.parse(xhr.responseText); } catch (e) { parsed = null; }
			}
			log('error', settings.type + ' ' + settings.url + ' → ' + xhr.status);
			error && error(parsed || {}, xhr);
		});
	}

	var monster = {
		config: {
			api: { 'default': cfg.kazooApi, provisioner: cfg.provisioner },
			whitelabel: { language: cfg.language || 'en-US' }
		},

		apps: {
			auth: {
				currentUser: cfg.currentUser || {},
				currentAccount: cfg.currentAccount || {},
				originalAccount: cfg.currentAccount || {}
			}
		},

		pub: function(topic, data) {
			log('pub', topic);
			_.each(topics[topic] || [], function(sub) { sub.fn.call(sub.context, data); });
		},

		sub: function(topic, fn, context) {
			(topics[topic] = topics[topic] || []).push({ fn: fn, context: context });
		},

		request: function(options) {
			var def = requests[options.resource];

			if (!def) {
				throw new Error('unknown request ' + options.resource);
			}
			ajax(buildAjax(def.apiRoot, def, options, { 'X-Auth-Token': cfg.authToken }), options.success, options.error);
		},

		parallel: function(tasks, callback) {
			var keys = _.keys(tasks),
				results = {},
				left = keys.length,
				failed = false;

			if (!left) {
				return callback(null, results);
			}
			_.each(keys, function(key) {
				tasks[key](function(err, value) {
					if (failed) {
						return;
					}
					if (err) {
						failed = true;
						return callback(err, results);
					}
					results[key] = value;
					if (--left === 0) {
						callback(null, results);
					}
				});
			});
		},

		ui: {
			generateAppLayout: function(app, layout) {
				var root = $('<div class="app-layout"><nav class="app-navbar"></nav><div class="app-content-wrapper"></div></div>'),
					nav = root.find('.app-navbar'),
					content = root.find('.app-content-wrapper'),
					tabs = _.flatten(_.map(layout.menus, 'tabs'));

				_.each(tabs, function(tab, index) {
					$('<a href="#" class="navbar-menu-item-link">').text(tab.text).attr('data-index', index).appendTo(nav);
				});
				nav.on('click', '.navbar-menu-item-link', function(e) {
					var tab = tabs[$(this).data('index')];

					e.preventDefault();
					nav.find('.active').removeClass('active');
					$(this).addClass('active');
					content.empty();
					tab.callback.call(app, { parent: root, container: content });
				});
				$('#monster_content').empty().append(root);
				nav.find('.navbar-menu-item-link').first().trigger('click');
			},

			toast: function(args) {
				log('toast', args.type + ': ' + args.message);
				$('<div class="monster-toast">').addClass('monster-toast-' + args.type).text(args.message).appendTo('#monster_toasts');
			},

			dialog: function(content, options) {
				var box = $('<div class="monster-dialog"><div class="monster-dialog-title"></div><a href="#" class="monster-dialog-close">×</a><div class="monster-dialog-body"></div></div>');

				box.find('.monster-dialog-title').text((options && options.title) || '');
				box.find('.monster-dialog-body').append(content);
				box.find('.monster-dialog-close').on('click', function(e) {
					e.preventDefault();
					box.remove();
				});
				$('#monster_dialogs').append(box);
				return $(content);
			},

			confirm: function(text, ok, cancel) {
				var body = $('<div class="monster-confirm"><p></p><button type="button" class="monster-button-secondary monster-confirm-cancel">Cancel</button> <button type="button" class="monster-button-success monster-confirm-ok">OK</button></div>');

				body.find('p').text(text);
				monster.ui.dialog(body, { title: 'Confirm' });
				body.find('.monster-confirm-ok').on('click', function() {
					body.dialog('close');
					ok && ok();
				});
				body.find('.monster-confirm-cancel').on('click', function() {
					body.dialog('close');
					cancel && cancel();
				});
			},

			getFormData: function(formId) {
				var out = {};

				_.each($('#' + formId).serializeArray(), function(field) {
					out[field.name] = field.value;
				});
				return out;
			}
		},

		loadApp: function(name, appPath, callback) {
			require([ 'apps/' + name + '/app' ], function(app) {
				var lang = monster.config.whitelabel.language,
					fetchJson = function(url) {
						var out = {};

						$.ajax({ url: url, dataType: 'json', async: false, success: function(d) { out = d; } });
						return out;
					},
					i18n = fetchJson(appPath + '/i18n/en-US.json');

				if (lang !== 'en-US' && app.i18n[lang]) {
					i18n = _.merge(i18n, fetchJson(appPath + '/i18n/' + lang + '.json'));
				}
				$('<link rel="stylesheet">').attr('href', appPath + '/style/app.css').appendTo('head');

				require(_.map(app.subModules, function(sub) {
					return 'apps/' + name + '/submodules/' + sub + '/' + sub;
				}), function() {
					_.each(arguments, function(sub) { $.extend(true, app, sub); });
					app.appPath = appPath;
					app.i18n.active = function() { return i18n; };
					app.getTemplate = function(args) { return monster.template(app, args); };
					app.callApi = function(args) { monster.callKazoo(app, args); };
					_.each(app.requests, function(def, id) { requests[id] = def; });
					_.each(app.subscribe, function(method, topic) { monster.sub(topic, app[method], app); });
					app.load(function(loaded) {
						loaded.render($('#monster_content'));
						callback && callback(loaded);
					});
				});
			});
		},

		/* getTemplate: views fetched synchronously (as Monster does in development), i18n in the context. */
		template: function(app, args) {
			var source, url;

			if (args.name.charAt(0) === '!') {
				source = args.name.substring(1);
			} else {
				url = app.appPath + (args.submodule ? '/submodules/' + args.submodule : '') + '/views/' + args.name + '.html';
				if (!templateCache[url]) {
					$.ajax({ url: url, dataType: 'text', async: false, success: function(text) { templateCache[url] = text; } });
				}
				source = templateCache[url];
			}
			return Handlebars.compile(source)(_.extend({}, args.data, { i18n: app.i18n.active(), _whitelabel: {} }));
		},

		callKazoo: function(app, args) {
			var def = kazooResources[args.resource];

			if (!def) {
				throw new Error('callApi resource not provided by the test runtime: ' + args.resource);
			}
			ajax(buildAjax(app.apiUrl, def, args, { 'X-Auth-Token': app.authToken }), args.success, args.error);
		}
	};

	/* jQuery UI's dialog('close') as Monster's dialogs offer it. */
	$.fn.dialog = function(command) {
		if (command === 'close') {
			this.closest('.monster-dialog').remove();
		}
		return this;
	};

	/* The auth app answers initApp with the session (monster-ui src/apps/auth/app.js). */
	monster.sub('auth.initApp', function(args) {
		args.app.accountId = cfg.accountId;
		args.app.userId = cfg.userId;
		args.app.authToken = cfg.authToken;
		args.app.apiUrl = cfg.kazooApi;
		args.callback && args.callback();
	});

	return monster;
});

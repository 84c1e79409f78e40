/*
 * Templates tab (admins): the catalog as brand -> family -> model, a template editor whose schema
 * errors appear at the field they concern, importing a phone's exported config, adding a model.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	/* Fields shown as form inputs; everything else is edited as JSON. */
	var FORM_FIELDS = [
		{ pointer: '/name', type: 'text' },
		{ pointer: '/pvt_generator', type: 'select', options: [ 'json2plain', 'json2xml' ] },
		{ pointer: '/capabilities/lines', type: 'number' },
		{ pointer: '/capabilities/line_keys', type: 'number' },
		{ pointer: '/capabilities/memory_keys', type: 'number' },
		{ pointer: '/capabilities/expansion_modules', type: 'number' },
		{ pointer: '/format/delimiter', type: 'text' }
	];

	var templates = {

		requests: {},

		subscribe: {},

		templatesRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.phoneprovRequest({
				resource: 'phoneprov.templates.list',
				success: function(list) {
					var template;

					if (!isCurrent()) {
						return;
					}
					template = $(self.getTemplate({
						name: 'layout',
						submodule: 'templates',
						data: { brands: self.templatesTree(list) }
					}));

					self.templatesBindEvents(template, list);
					container.empty().append(template);
				},
				unavailable: function() {
					if (!isCurrent()) {
						return;
					}
					self.phoneprovUnavailable(container, self.i18n.active().phoneprov.tabs.templates);
				}
			});
		},

		templatesTree: function(list) {
			return _.map(_.groupBy(list, 'brand'), function(items, brand) {
				return {
					brand: brand,
					families: _.map(_.groupBy(items, 'family'), function(models, family) {
						return { family: family, models: _.sortBy(models, 'name') };
					})
				};
			});
		},

		templatesBindEvents: function(template, list) {
			var self = this;

			template.find('.phoneprov-template-link').on('click', function(e) {
				e.preventDefault();
				template.find('.phoneprov-template-link').removeClass('active');
				$(this).addClass('active');
				self.templatesOpen(template, $(this).data('id'));
			});

			template.find('.phoneprov-templates-import').on('click', function() {
				self.templatesRenderImport(template);
			});

			template.find('.phoneprov-templates-add').on('click', function() {
				self.templatesRenderAdd(template, list);
			});
		},

		templatesOpen: function(template, id) {
			var self = this;

			self.phoneprovRequest({
				resource: 'phoneprov.templates.get',
				data: { templateId: id },
				success: function(doc) {
					self.templatesRenderEditor(template, doc, false);
				}
			});
		},

		templatesPointerGet: function(doc, pointer) {
			return _.get(doc, pointer.split('/').slice(1));
		},

		/* The editor: form fields for the common settings, the rest of the document as JSON. */
		templatesRenderEditor: function(template, doc, isNew) {
			var self = this,
				rest = _.cloneDeep(doc),
				fields = _.map(FORM_FIELDS, function(field) {
					var value = self.templatesPointerGet(doc, field.pointer),
						key = field.pointer.split('/').slice(1);

					_.unset(rest, key);
					return _.assign({}, field, {
						id: 'phoneprov_tpl_' + key.join('_'),
						label: self.i18n.active().phoneprov.templates.fields[key.join('.')] || key.join('.'),
						value: value === undefined || value === null ? '' : value,
						options: _.map(field.options, function(o) { return { value: o, selected: o === value }; })
					});
				}),
				editor = $(self.getTemplate({
					name: 'editor',
					submodule: 'templates',
					// Monster strips newlines and tabs from templates unless told not to: the JSON keeps its lines.
					ignoreSpaces: true,
					data: {
						doc: doc,
						isNew: isNew,
						fields: fields,
						json: JSON.stringify(_.omitBy(rest, function(v, k) { return k === 'capabilities' && _.isEmpty(v) || k === 'format' && _.isEmpty(v); }), null, 2)
					}
				}));

			editor.find('.phoneprov-template-save').on('click', function(e) {
				var next;

				e.preventDefault();
				self.templatesClearProblems(editor);
				next = self.templatesCollect(editor, doc);
				if (!next) {
					return;
				}
				self.phoneprovRequest({
					resource: isNew ? 'phoneprov.templates.create' : 'phoneprov.templates.update',
					data: isNew ? { data: next } : { templateId: doc._id, data: next },
					success: function(saved) {
						monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.templates.saved });
						self.templatesRenderEditor(template, saved, false);
					},
					error: function(envelope) {
						self.templatesShowProblems(editor, envelope);
					}
				});
			});

			template.find('.phoneprov-templates-editor').empty().append(editor);
		},

		/* Form values over the JSON part; numbers stay numbers, blanks drop the field. */
		templatesCollect: function(editor, original) {
			var self = this,
				doc;

			try {
				doc = JSON.parse(editor.find('#phoneprov_tpl_json').val());
			} catch (err) {
				self.templatesShowProblems(editor, {
					message: err.message,
					data: { problems: [ { pointer: '', message: self.i18n.active().phoneprov.templates.badJson + ' ' + err.message } ] }
				});
				return null;
			}
			_.each(FORM_FIELDS, function(field) {
				var key = field.pointer.split('/').slice(1),
					raw = editor.find('[data-pointer="' + field.pointer + '"]').val(),
					value = raw;

				if (raw === '' || raw === undefined) {
					return;
				}
				if (field.type === 'number' && /^-?\d+$/.test(raw)) {
					value = parseInt(raw, 10);
				}
				_.set(doc, key, value);
			});
			if (original._rev) {
				doc._rev = original._rev;
			}
			if (original._id && !doc._id) {
				doc._id = original._id;
			}
			return doc;
		},

		templatesClearProblems: function(editor) {
			editor.find('.phoneprov-field-error').remove();
			editor.find('.phoneprov-invalid').removeClass('phoneprov-invalid');
			editor.find('.phoneprov-template-problems').empty().hide();
		},

		/* Each problem goes under the input with its pointer (or the nearest parent), else under the JSON. */
		templatesShowProblems: function(editor, envelope) {
			var self = this,
				problems = (envelope.data && envelope.data.problems) ||
					[ { pointer: (envelope.data && envelope.data.pointer) || '', message: envelope.message } ],
				general = editor.find('.phoneprov-template-problems');

			_.each(problems, function(problem) {
				var pointer = problem.pointer || '',
					input = $(),
					parts = pointer.split('/');

				while (parts.length > 1 && !input.length) {
					input = editor.find('[data-pointer="' + parts.join('/') + '"]');
					parts.pop();
				}
				if (input.length) {
					input.addClass('phoneprov-invalid').after($('<div class="phoneprov-field-error">').text(problem.message));
				} else {
					general.append($('<div class="phoneprov-field-error">').text((pointer ? pointer + ': ' : '') + problem.message)).show();
				}
			});
		},

		templatesRenderImport: function(template) {
			var self = this,
				form = $(self.getTemplate({
					name: 'import',
					submodule: 'templates',
					ignoreSpaces: true,
					data: {}
				})),
				send = function(save) {
					var data = monster.ui.getFormData('phoneprov_import_form'),
						line = _.omitBy({ username: data.line_username, password: data.line_password }, function(v) { return !v; });

					data = _.omit(data, [ 'line_username', 'line_password' ]);
					if (!_.isEmpty(line)) {
						data.line = line;
					}
					data.save = save;
					form.find('.phoneprov-template-problems').empty().hide();
					self.phoneprovRequest({
						resource: 'phoneprov.templates.import',
						data: { data: _.omitBy(data, function(v) { return v === ''; }) },
						success: function(result) {
							form.find('.phoneprov-import-template').text(JSON.stringify(result.template, null, 2));
							form.find('.phoneprov-import-preview').text(_.isString(result.preview) ? result.preview : JSON.stringify(result.preview, null, 2));
							form.find('.phoneprov-import-result').show();
							if (result.saved) {
								monster.ui.toast({ type: 'success', message: self.i18n.active().phoneprov.templates.saved });
							}
						},
						error: function(envelope) {
							form.find('.phoneprov-template-problems').text(envelope.message).show();
						}
					});
				};

			form.find('.phoneprov-import-preview-button').on('click', function(e) {
				e.preventDefault();
				send(false);
			});
			form.find('.phoneprov-import-save').on('click', function(e) {
				e.preventDefault();
				send(true);
			});
			template.find('.phoneprov-templates-editor').empty().append(form);
		},

		/* A new model starts as a copy of the open one (or a minimal document). */
		templatesRenderAdd: function(template, list) {
			var self = this,
				form = $(self.getTemplate({
					name: 'add',
					submodule: 'templates',
					data: { templates: list }
				}));

			form.find('.phoneprov-add-continue').on('click', function(e) {
				var data = monster.ui.getFormData('phoneprov_add_form'),
					start = function(base) {
						var doc = _.assign(_.omit(base || {}, [ '_id', '_rev' ]), {
							_id: [ 'ui', data.brand, data.family, data.model ].join('/'),
							pvt_type: 'provisioner',
							endpoint_brand: data.brand,
							endpoint_family: data.family,
							endpoint_model: data.model,
							name: data.name || data.model
						});

						if (!doc.pvt_generator) {
							doc.pvt_generator = 'json2plain';
						}
						if (!doc.capabilities) {
							doc.capabilities = { lines: 1 };
						}
						self.templatesRenderEditor(template, doc, true);
					};

				e.preventDefault();
				if (data.copy_from) {
					self.phoneprovRequest({
						resource: 'phoneprov.templates.get',
						data: { templateId: data.copy_from },
						success: start
					});
				} else {
					start(null);
				}
			});
			template.find('.phoneprov-templates-editor').empty().append(form);
		}
	};

	return templates;
});

/*
 * Devices tab: the account's Kazoo devices joined with what our server knows about them
 * (model, provisioning URL, last fetch, lock, conflicts), the model picker, config previews,
 * per-device provisioning credentials, and unknown phones on the account's sites to adopt.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var SIP_USERNAME_CHARS = 'abcdefghijkmnpqrstuvwxyz23456789';

	var devices = {

		requests: {},

		subscribe: {},

		devicesRender: function(args) {
			var self = this,
				container = args.container || $('#monster_content'),
				isCurrent = self.phoneprovTicket(container);

			self.devicesGetData(function(data) {
				if (!isCurrent()) {
					return;
				}
				var template = $(self.getTemplate({
					name: 'layout',
					submodule: 'devices',
					data: data
				}));

				self.devicesBindEvents(template, data, container);
				container.empty().append(template);
			});
		},

		/* Kazoo's list is the base; ours adds provisioning state. */
		devicesGetData: function(callback) {
			var self = this,
				isAdmin = self.phoneprovIsAdmin(),
				none = function(next) { next(null, []); };

			monster.parallel({
				kazoo: function(next) {
					self.phoneprovKazooDevices(function(list) {
						next(null, isAdmin ? list : _.filter(list, { owner_id: self.userId }));
					});
				},
				ours: self.phoneprovTask('phoneprov.devices.list', null),
				conflicts: isAdmin ? self.phoneprovTask('phoneprov.conflicts', []) : none,
				// Only phones seen from this account's sites; an older server without the route hides the section.
				unknownMacs: isAdmin ? self.phoneprovTask('phoneprov.unknownMacs', []) : none
			}, function(err, results) {
				callback(self.devicesFormatData(results, isAdmin));
			});
		},

		devicesFormatData: function(results, isAdmin) {
			var self = this,
				ours = _.keyBy(results.ours || [], 'id'),
				list = _.map(results.kazoo, function(device) {
					var state = ours[device.id] || {},
						mac = state.mac_address || (device.mac_address ? String(device.mac_address).toLowerCase().replace(/[^0-9a-f]/g, '') : ''),
						lastSeen = state.last_seen || null;

					return {
						id: device.id,
						name: device.name,
						ownerName: device.owner_name,
						deviceType: device.device_type || 'sip_device',
						isDeskPhone: _.includes([ 'sip_device', 'ata', 'fax' ], device.device_type || 'sip_device'),
						enabled: device.enabled !== false,
						mac: mac,
						macDisplay: self.phoneprovFormatMac(mac),
						brand: state.brand || '',
						family: state.family || '',
						model: state.model || '',
						hasModel: !!state.brand,
						templateFound: !!state.template_found,
						provisioningUrl: state.provisioning_url || '',
						lastSeen: lastSeen ? {
							at: self.phoneprovFormatTime(lastSeen.at),
							ip: lastSeen.ip,
							file: lastSeen.file,
							ua: lastSeen.ua
						} : null,
						lock: state.lock ? { ip: state.lock.ip, at: self.phoneprovFormatTime(state.lock.at) } : null,
						conflict: !!state.conflict
					};
				});

			return {
				isAdmin: isAdmin,
				available: results.ours !== null,
				devices: list,
				conflicts: _.map(results.conflicts, function(c) {
					return _.assign({}, c, { macDisplay: self.phoneprovFormatMac(c.mac) });
				}),
				// A phone just adopted is in Kazoo's list before our MAC index has seen the new device.
				unknownMacs: _.map(_.reject(results.unknownMacs, function(u) { return _.some(list, { mac: u.mac }); }), function(u) {
					return _.assign({}, u, {
						macDisplay: self.phoneprovFormatMac(u.mac),
						at: self.phoneprovFormatTime(u.at),
						firstAt: self.phoneprovFormatTime(u.first_at)
					});
				})
			};
		},

		devicesBindEvents: function(template, data, container) {
			var self = this,
				byId = _.keyBy(data.devices, 'id'),
				unknownByMac = _.keyBy(data.unknownMacs, 'mac'),
				refresh = function() { self.devicesRender({ container: container }); };

			template.find('.phoneprov-device-choose-model').on('click', function() {
				self.devicesChooseModel(byId[$(this).parents('tr').data('id')], refresh);
			});

			template.find('.phoneprov-device-preview').on('click', function() {
				self.devicesRenderPreview(byId[$(this).parents('tr').data('id')], data.isAdmin);
			});

			template.find('.phoneprov-device-unlock').on('click', function() {
				var device = byId[$(this).parents('tr').data('id')];

				self.devicesUnlock(device, refresh);
			});

			template.find('.phoneprov-device-credentials').on('click', function() {
				self.devicesRenderCredentials(byId[$(this).parents('tr').data('id')]);
			});

			template.find('.phoneprov-unknown-adopt').on('click', function() {
				// attr, not data(): jQuery would turn an all-digit MAC into a number.
				self.devicesAdopt(unknownByMac[$(this).parents('tr').attr('data-mac')], refresh);
			});

			template.find('.phoneprov-devices-refresh').on('click', refresh);
		},

		/* Model: Monster's own picker when the common app provides it, ours otherwise. */
		devicesChooseModel: function(device, refresh) {
			var self = this,
				save = function(provision, close) {
					self.devicesSaveModel(device, provision, function() {
						close && close();
						refresh();
					});
				};

			if (monster.apps.common && _.isFunction(monster.apps.common.chooseModelRender)) {
				monster.pub('common.chooseModel.render', {
					callback: function(dataDevice, popup) {
						save(dataDevice.provision, function() { popup && popup.dialog && popup.dialog('close').remove(); });
					}
				});
				return;
			}

			self.phoneprovRequest({
				resource: 'phoneprov.phones',
				success: function(tree) {
					self.devicesRenderModelPicker(device, tree, save);
				},
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.devices.catalogUnavailable });
				}
			});
		},

		devicesRenderModelPicker: function(device, tree, save) {
			var self = this,
				template = $(self.getTemplate({
					name: 'modelPicker',
					submodule: 'devices',
					data: { device: device }
				})),
				pickedModel = self.devicesBindModelFields(template.find('.phoneprov-model-fields'), tree, device),
				popup;

			template.find('.phoneprov-picker-save').on('click', function(e) {
				var provision = pickedModel();

				e.preventDefault();
				if (!provision) {
					return;
				}
				save(provision, function() { popup.dialog('close'); });
			});

			popup = monster.ui.dialog(template, {
				title: self.i18n.active().phoneprov.devices.pickerTitle
			});
		},

		/**
		 * Brand and model selects from the catalog tree (GET phones), into `container`, with
		 * `selected` ({brand, family?, model?}) chosen. Returns a function giving the chosen
		 * model as Kazoo's `provision` fields, or null while none is chosen.
		 */
		devicesBindModelFields: function(container, tree, selected) {
			var self = this,
				brands = self.devicesBrandsOf(tree),
				fields = $(self.getTemplate({
					name: 'modelFields',
					submodule: 'devices',
					data: { brands: brands }
				})),
				brandSelect = fields.find('#phoneprov_picker_brand'),
				modelSelect = fields.find('#phoneprov_picker_model'),
				fillModels = function() {
					var brand = _.find(brands, { id: brandSelect.val() });

					modelSelect.empty();
					_.each(brand ? brand.families : [], function(family) {
						var group = $('<optgroup>').attr('label', family.name);

						_.each(family.models, function(model) {
							group.append($('<option>')
								.attr('value', family.id + '/' + model.id)
								.attr('data-template-id', model.templateId)
								.text(model.name));
						});
						modelSelect.append(group);
					});
				},
				hasSelectedBrand = selected && _.some(brands, { id: selected.brand });

			container.empty().append(fields);
			brandSelect.val(hasSelectedBrand ? selected.brand : (brands[0] && brands[0].id));
			fillModels();
			if (hasSelectedBrand && selected.model) {
				modelSelect.val(selected.family + '/' + selected.model);
			}
			brandSelect.on('change', fillModels);

			return function() {
				var parts = String(modelSelect.val() || '').split('/'),
					templateId = modelSelect.find('option:selected').attr('data-template-id');

				return parts.length === 2 ? {
					endpoint_brand: brandSelect.val(),
					endpoint_family: parts[0],
					endpoint_model: parts[1],
					id: templateId || undefined
				} : null;
			};
		},

		/* The catalog tree as sorted lists (brand → family → model) for the selects. */
		devicesBrandsOf: function(tree) {
			return _.sortBy(_.map(tree, function(brand, brandId) {
				return {
					id: brandId,
					name: brand.name,
					families: _.sortBy(_.map(brand.families, function(family, familyId) {
						return {
							id: familyId,
							name: family.name,
							models: _.sortBy(_.map(family.models, function(model, modelId) {
								return { id: modelId, name: model.name, templateId: model.template_id || model.id };
							}), 'name')
						};
					}), 'name')
				};
			}), 'name');
		},

		/* Adopt: the catalog and the account's users first, then the dialog. */
		devicesAdopt: function(unknown, refresh) {
			var self = this;

			monster.parallel({
				tree: self.phoneprovTask('phoneprov.phones', null),
				users: function(next) {
					self.phoneprovKazooUsers(function(users) { next(null, users); });
				}
			}, function(err, results) {
				if (!results.tree) {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.devices.catalogUnavailable });
					return;
				}
				self.devicesRenderAdopt(unknown, results.tree, results.users, refresh);
			});
		},

		devicesRenderAdopt: function(unknown, tree, users, refresh) {
			var self = this,
				text = self.i18n.active().phoneprov.devices,
				template = $(self.getTemplate({
					name: 'adopt',
					submodule: 'devices',
					data: {
						unknown: unknown,
						users: users,
						name: self.getTemplate({ name: '!' + text.adoptDefaultName, data: { mac: unknown.macDisplay } })
					}
				})),
				// The brand whose vendor profile lists the MAC's OUI (the server tells), if any.
				pickedModel = self.devicesBindModelFields(template.find('.phoneprov-model-fields'), tree, { brand: unknown.brand }),
				popup;

			template.find('.phoneprov-adopt-save').on('click', function(e) {
				var button = $(this),
					nameInput = template.find('#phoneprov_adopt_name'),
					name = _.trim(nameInput.val()),
					provision = pickedModel();

				e.preventDefault();
				template.find('.phoneprov-field-error').remove();
				if (!name) {
					nameInput.after($('<div class="phoneprov-field-error">').text(text.nameRequired));
					return;
				}
				if (!provision) {
					template.find('#phoneprov_picker_model').after($('<div class="phoneprov-field-error">').text(text.modelRequired));
					return;
				}
				button.prop('disabled', true);
				self.devicesCreate({
					name: name,
					mac: unknown.mac,
					ownerId: template.find('#phoneprov_adopt_owner').val(),
					provision: provision
				}, function() {
					popup.dialog('close');
					refresh();
				}, function() {
					button.prop('disabled', false);
				});
			});

			popup = monster.ui.dialog(template, {
				title: self.getTemplate({ name: '!' + text.adoptTitle, data: { mac: unknown.macDisplay } })
			});
		},

		/**
		 * Creates the Kazoo device as SmartPBX does for a new SIP phone (random `user_…` username
		 * and password); our server learns of it from Kazoo and serves the phone on its next fetch.
		 */
		devicesCreate: function(adopt, success, failure) {
			var self = this;

			self.callApi({
				resource: 'device.create',
				data: {
					accountId: self.accountId,
					data: _.omitBy({
						name: adopt.name,
						device_type: 'sip_device',
						enabled: true,
						mac_address: self.phoneprovFormatMac(adopt.mac),
						owner_id: adopt.ownerId || undefined,
						provision: _.omitBy(adopt.provision, _.isUndefined),
						sip: {
							username: 'user_' + self.phoneprovRandomString(10, SIP_USERNAME_CHARS),
							password: self.phoneprovRandomString(16)
						},
						suppress_unregister_notifications: false
					}, _.isUndefined)
				},
				success: function() {
					monster.ui.toast({
						type: 'success',
						message: self.getTemplate({ name: '!' + self.i18n.active().phoneprov.devices.adopted, data: { name: adopt.name } })
					});
					success();
				},
				error: function(parsed) {
					self.phoneprovToastError({
						message: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.adoptFailed,
							data: { message: self.devicesKazooErrorText(parsed) }
						})
					});
					failure();
				}
			});
		},

		/* Kazoo's validation errors carry the reason per field: {data: {mac_address: {unique: {message}}}}. */
		devicesKazooErrorText: function(parsed) {
			var details = _.flatMap(_.values((parsed && parsed.data) || {}), function(field) {
				return _.isObject(field) ? _.compact(_.map(_.values(field), 'message')) : [];
			});

			return details.length ? details.join('; ') : ((parsed && parsed.message) || '');
		},

		/* The model lives in the Kazoo device (provision.endpoint_*): Kazoo then pushes it to us. */
		devicesSaveModel: function(device, provision, callback) {
			var self = this;

			self.callApi({
				resource: 'device.patch',
				data: {
					accountId: self.accountId,
					deviceId: device.id,
					data: { provision: _.omitBy(provision, _.isUndefined) }
				},
				success: function() {
					monster.ui.toast({
						type: 'success',
						message: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.modelSaved,
							data: { name: device.name }
						})
					});
					callback && callback();
				}
			});
		},

		devicesUnlock: function(device, callback) {
			var self = this;

			self.phoneprovRequest({
				resource: 'phoneprov.locks.delete',
				data: { macAddress: device.mac, data: {} },
				success: function() {
					monster.ui.toast({
						type: 'success',
						message: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.unlocked,
							data: { name: device.name }
						})
					});
					callback && callback();
				},
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.unavailable.toast });
				}
			});
		},

		devicesRenderPreview: function(device, isAdmin) {
			var self = this;

			self.phoneprovRequest({
				resource: 'phoneprov.devices.files',
				data: { deviceId: device.id },
				success: function(data) {
					var template = $(self.getTemplate({
							name: 'preview',
							submodule: 'devices',
							// The device's own file first: that is the one with its settings.
							data: { device: device, files: _.sortBy(data.files, function(f) { return f.scope === 'device' ? 0 : 1; }), isAdmin: isAdmin }
						})),
						load = function() {
							var file = template.find('#phoneprov_preview_file').val(),
								reveal = template.find('#phoneprov_preview_reveal').is(':checked');

							self.devicesLoadFile(template, device, file, reveal);
						};

					template.find('#phoneprov_preview_file, #phoneprov_preview_reveal').on('change', load);
					monster.ui.dialog(template, {
						title: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.previewTitle,
							data: { name: device.name }
						})
					});
					if (data.files && data.files.length) {
						load();
					}
				},
				error: function(envelope) {
					self.phoneprovToastError(envelope);
				},
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.unavailable.toast });
				}
			});
		},

		devicesLoadFile: function(template, device, file, reveal) {
			var self = this,
				target = template.find('.phoneprov-preview-content');

			self.phoneprovRequest({
				resource: 'phoneprov.devices.file',
				data: { deviceId: device.id, file: file, filters: reveal ? { reveal: 'true' } : {} },
				success: function(data) {
					target.text(data.content);
					template.find('.phoneprov-preview-masked').toggle(!!data.masked);
				},
				error: function(envelope) {
					target.text(envelope.message || '');
				}
			});
		},

		devicesRenderCredentials: function(device) {
			var self = this,
				show = function(credentials) {
					var template = $(self.getTemplate({
							name: 'credentials',
							submodule: 'devices',
							data: { device: device, credentials: credentials }
						})),
						popup;

					template.find('.phoneprov-credentials-rotate').on('click', function(e) {
						e.preventDefault();
						monster.ui.confirm(self.i18n.active().phoneprov.devices.rotateConfirm, function() {
							self.phoneprovRequest({
								resource: 'phoneprov.devices.rotate',
								data: { deviceId: device.id, data: {} },
								success: function(rotated) {
									popup.dialog('close');
									show(rotated);
								}
							});
						});
					});
					popup = monster.ui.dialog(template, { title: self.i18n.active().phoneprov.devices.credentialsTitle });
				};

			self.phoneprovRequest({
				resource: 'phoneprov.devices.credentials',
				data: { deviceId: device.id },
				success: show,
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.unavailable.toast });
				}
			});
		}
	};

	return devices;
});

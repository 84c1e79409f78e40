/*
 * The model of a Kazoo device (provision.endpoint_*, which Kazoo pushes to us): SmartPBX's own
 * picker (Monster's common app, fed by our GET phones) when Monster has it, else a small one of
 * ours; and the brand/model selects the adopt dialog shares.
 */
define(function(require) {
	var $ = require('jquery'),
		_ = require('lodash'),
		monster = require('monster');

	var devicesModel = {

		requests: {},

		subscribe: {},

		devicesChooseModel: function(device, refresh) {
			var self = this,
				save = function(change, close) {
					self.devicesSaveModel(device, change, function() {
						close();
						refresh();
					});
				};

			if (monster.apps.common && _.isFunction(monster.apps.common.chooseModelRender)) {
				self.devicesPrefillPicker(device);
				monster.pub('common.chooseModel.render', {
					// Monster passes the device it would create and a function that closes its picker.
					callback: function(dataDevice, closePicker) {
						save(self.devicesModelChange(device, dataDevice), closePicker);
					}
				});
				return;
			}

			self.phoneprovRequest({
				resource: 'phoneprov.phones',
				success: function(tree) {
					self.devicesRenderModelPicker(device, tree, function(provision, close) {
						save({ provision: provision }, close);
					});
				},
				unavailable: function() {
					self.phoneprovToastError({ message: self.i18n.active().phoneprov.devices.catalogUnavailable });
				}
			});
		},

		/*
		 * SmartPBX's picker asks for the device's name and MAC (it was made to create devices): it
		 * opens with this device's, so the operator only picks the model, and may correct either.
		 */
		devicesPrefillPicker: function(device) {
			$(document).off('dialogopen.phoneprovPicker').on('dialogopen.phoneprovPicker', function(event) {
				var form = $(event.target).find('#device_form');

				if (!form.length) {
					return;
				}
				$(document).off('dialogopen.phoneprovPicker');
				form.find('#name').val(device.name);
				form.find('#mac_address').val(device.macDisplay);
			});
		},

		/* What the picker's answer changes on the device: the model, and name or MAC if edited. */
		devicesModelChange: function(device, dataDevice) {
			var change = { provision: _.omitBy(_.assign({}, dataDevice.provision, {
					// SmartPBX reads keys through jQuery's data(), which turns "400" into 400.
					endpoint_family: String(dataDevice.provision.endpoint_family),
					endpoint_model: String(dataDevice.provision.endpoint_model)
				}), _.isUndefined) },
				name = _.trim(dataDevice.name || ''),
				mac = String(dataDevice.mac_address || '').toLowerCase().replace(/[^0-9a-f]/g, '');

			if (name && name !== device.name) {
				change.name = name;
			}
			if (mac.length === 12 && mac !== device.mac) {
				change.mac_address = dataDevice.mac_address;
			}
			return change;
		},

		devicesRenderModelPicker: function(device, tree, save) {
			var self = this,
				template = $(self.getTemplate({
					name: 'modelPicker',
					submodule: 'devicesModel',
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
					submodule: 'devicesModel',
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

		/*
		 * The model lives in the Kazoo device (provision.endpoint_*): Kazoo then pushes it to us. A
		 * refusal (e.g. a MAC on another device) is shown and the picker stays open to correct it.
		 */
		devicesSaveModel: function(device, change, callback) {
			var self = this;

			self.callApi({
				resource: 'device.patch',
				data: {
					accountId: self.accountId,
					deviceId: device.id,
					data: change,
					generateError: false
				},
				success: function() {
					monster.ui.toast({
						type: 'success',
						message: self.getTemplate({
							name: '!' + self.i18n.active().phoneprov.devices.modelSaved,
							data: { name: change.name || device.name }
						})
					});
					callback && callback();
				},
				error: function(parsed) {
					self.phoneprovToastError({ message: self.phoneprovKazooErrorText(parsed) || null });
				}
			});
		}
	};

	return devicesModel;
});

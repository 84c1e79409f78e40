// Catalog database: listings and a validate_doc_update that mirrors the JSON Schemas in
// server/catalog/schemas.ts for writes that do not come through our API (Fauxton, replication).
// Functions are ES5 source strings: CouchDB's JavaScript engine runs them, not Node.
export default {
  db: 'catalog' as const,
  doc: {
    _id: '_design/provisioner',
    language: 'javascript',
    views: {
      by_type: {
        map: `function (doc) {
  if (doc.pvt_type && !doc.pvt_deleted) emit(doc.pvt_type, null);
}`,
        reduce: '_count',
      },
      templates_by_model: {
        map: `function (doc) {
  if (doc.pvt_type === 'provisioner' && !doc.pvt_deleted) {
    emit([String(doc.endpoint_brand).toLowerCase(), String(doc.endpoint_family).toLowerCase(),
      String(doc.endpoint_model).toLowerCase()], null);
  }
}`,
      },
    },
    validate_doc_update: `function (newDoc, oldDoc, userCtx) {
  if (newDoc._deleted) return;
  function reject(pointer, why) { throw({ forbidden: pointer + ': ' + why }); }
  var t = newDoc.pvt_type;
  if (t === 'provisioner') {
    var brand = newDoc.endpoint_brand, family = String(newDoc.endpoint_family), model = String(newDoc.endpoint_model);
    if (typeof brand !== 'string' || !/^[a-z]+$/.test(brand)) reject('/endpoint_brand', 'must be plain lowercase letters');
    if (!/^[a-z0-9_-]+$/.test(family)) reject('/endpoint_family', 'must be lowercase letters, digits, _ or -');
    if (!/^[a-zA-Z0-9_-]+$/.test(model)) reject('/endpoint_model', 'must be letters, digits, _ or -');
    if (newDoc._id !== 'ui/' + brand + '/' + family + '/' + model) reject('/_id', 'must be ui/<brand>/<family>/<model>');
    if (newDoc.pvt_generator !== 'json2xml' && newDoc.pvt_generator !== 'json2plain') {
      reject('/pvt_generator', 'must be json2xml or json2plain');
    }
  } else if (t === 'vendor_profile') {
    if (typeof newDoc.brand !== 'string' || !/^[a-z]+$/.test(newDoc.brand)) reject('/brand', 'must be plain lowercase letters');
    if (newDoc._id !== 'profile/' + newDoc.brand) reject('/_id', 'must be profile/<brand>');
  } else if (t === 'provisionertree') {
    if (newDoc._id !== 'phonetree') reject('/_id', 'the brand tree is the document phonetree');
    if (!newDoc.data || typeof newDoc.data !== 'object') reject('/data', 'must be an object');
  } else if (newDoc._id.indexOf('_design/') !== 0 && newDoc._id.indexOf('_local/') !== 0) {
    reject('/pvt_type', 'must be provisioner, vendor_profile or provisionertree');
  }
}`,
  },
};

// Catalog database: listings and a validate_doc_update that enforces the essentials of the JSON
// Schemas in server/catalog/schemas.ts and the checks of lint.ts for writes that do not come through
// our API (Fauxton, curl, replication). The rules' data (section names, bounds, patterns, what a common
// file may not hold) is taken from those modules, not copied. Functions are ES5 source strings: CouchDB's
// JavaScript engine runs them (QuickJS on CouchDB 3.5, SpiderMonkey elsewhere), not Node, so Handlebars
// itself is not available there: a small scanner checks that every {{ closes and every block ends.
import { LINE_SECTIONS, PRIVATE_VALUE } from '../server/catalog/lint.js';
import { SECTION_NAMES, templateSchema } from '../server/catalog/schemas.js';

const caps = templateSchema.properties.capabilities.properties;
const fileName = templateSchema.properties.files.items.properties.name;

const validateDocUpdate = `function (newDoc, oldDoc, userCtx) {
  if (newDoc._deleted) return;
  function reject(pointer, why) { throw({ forbidden: pointer + ': ' + why }); }
  var SECTIONS = ${JSON.stringify(SECTION_NAMES)};
  var LINE_SECTIONS = ${JSON.stringify(LINE_SECTIONS)};
  var PRIVATE = new RegExp(${JSON.stringify(PRIVATE_VALUE.source)});
  var FILE_NAME = new RegExp(${JSON.stringify(fileName.pattern)});
  // Not instanceof: a document's arrays may come from another realm (QuickJS on CouchDB 3.5).
  function isArray(v) { return Object.prototype.toString.call(v) === '[object Array]'; }
  function has(list, v) { for (var i = 0; i < list.length; i++) if (list[i] === v) return true; return false; }
  function whole(v, min, max) { return typeof v === 'number' && v % 1 === 0 && v >= min && v <= max; }
  function esc(k) { return String(k).replace(/~/g, '~0').replace(/\\//g, '~1'); }
  // Every string of a section, keys included, with its JSON pointer.
  function strings(node, pointer, out) {
    if (typeof node === 'string') { out.push([pointer, node]); return out; }
    if (node && typeof node === 'object') {
      for (var k in node) {
        if (!node.hasOwnProperty(k)) continue;
        var p = pointer + '/' + esc(k);
        if (!isArray(node)) out.push([p, k]);
        strings(node[k], p, out);
      }
    }
    return out;
  }
  // The Handlebars errors a hand-edited value makes: an unclosed {{, a block never closed or closed by another name.
  function mustache(s) {
    var open = [], at = 0;
    for (;;) {
      var i = s.indexOf('{{', at);
      if (i < 0) break;
      var triple = s.charAt(i + 2) === '{';
      var close = s.indexOf(triple ? '}}}' : '}}', i + 2);
      if (close < 0) return 'a {{ is never closed';
      var body = s.substring(i + (triple ? 3 : 2), close).replace(/^~|~$/g, '').replace(/^\\s+|\\s+$/g, '');
      at = close + (triple ? 3 : 2);
      if (body.charAt(0) === '!') continue;
      if (!body) return 'an empty {{}}';
      var name = body.substring(1).replace(/^\\s+/, '').split(/[\\s}]/)[0];
      if (body.charAt(0) === '#') open.push(name);
      else if (body.charAt(0) === '/') {
        if (!open.length) return '{{/' + name + '}} closes no block';
        var top = open.pop();
        if (top !== name) return '{{#' + top + '}} is closed by {{/' + name + '}}';
      } else if ((body === 'else' || body.indexOf('else ') === 0 || body.charAt(0) === '^') && !open.length) {
        return '{{' + body + '}} outside a block';
      }
    }
    return open.length ? '{{#' + open[open.length - 1] + '}} is never closed' : null;
  }
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
    var c = newDoc.capabilities;
    if (c !== undefined) {
      if (!c || typeof c !== 'object' || isArray(c)) reject('/capabilities', 'must be an object');
      if (!whole(c.lines, ${caps.lines.minimum}, ${caps.lines.maximum})) reject('/capabilities/lines', 'must be a whole number from ${caps.lines.minimum} to ${caps.lines.maximum}');
      var counts = ['line_keys', 'memory_keys', 'expansion_keys', 'expansion_modules', 'max_expansion_modules'];
      for (var n = 0; n < counts.length; n++) {
        if (c[counts[n]] !== undefined && !whole(c[counts[n]], 0, ${caps.line_keys.maximum})) reject('/capabilities/' + counts[n], 'must be a whole number from 0');
      }
    }
    for (var key in newDoc) {
      if (!newDoc.hasOwnProperty(key) || key.indexOf('cfg_') !== 0) continue;
      var section = newDoc[key];
      if (section !== null && (typeof section !== 'object' || isArray(section))) reject('/' + key, 'must be an object or null');
      if (JSON.stringify(section || null).indexOf('{{') < 0) continue;
      var found = strings(section, '/' + key, []);
      for (var s = 0; s < found.length; s++) {
        if (found[s][1].indexOf('{{') < 0) continue;
        var err = mustache(found[s][1]);
        if (err) reject(found[s][0], 'is not a valid Handlebars template (' + err + ')');
      }
    }
    var files = newDoc.files;
    if (files !== undefined) {
      if (!isArray(files) || !files.length) reject('/files', 'must be a list of at least one file');
      for (var f = 0; f < files.length; f++) {
        var file = files[f], at = '/files/' + f;
        if (!file || typeof file.name !== 'string' || !FILE_NAME.test(file.name)) reject(at + '/name', 'must be a file name (letters, digits, . _ - and {mac})');
        if (file.scope !== 'common' && file.scope !== 'device') reject(at + '/scope', 'must be "common" or "device"');
        if (!isArray(file.sections)) reject(at + '/sections', 'must be a list of section names');
        for (var j = 0; j < file.sections.length; j++) {
          if (!has(SECTIONS, file.sections[j])) reject(at + '/sections/' + j, 'must be one of ' + SECTIONS.join(', '));
        }
        if (file.scope !== 'common') continue;
        if (/\\{mac\\}/i.test(file.name)) reject(at + '/name', 'a common file name cannot contain {mac}');
        for (var x = 0; x < file.sections.length; x++) {
          var name = file.sections[x];
          if (has(LINE_SECTIONS, name)) reject(at + '/sections', 'common file ' + file.name + ' cannot hold ' + name + ': it is served without authentication');
          var body = name === 'cfg_keys' ? (newDoc.cfg_keys !== undefined ? newDoc.cfg_keys : newDoc.cfg_key) : newDoc[name];
          var values = strings(body, '/' + name, []);
          for (var y = 0; y < values.length; y++) {
            if (PRIVATE.test(values[y][1])) reject(values[y][0], 'references account or line data, but ' + name + ' goes into the common file ' + file.name + ', which carries no secrets');
          }
        }
      }
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
}`;

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
    validate_doc_update: validateDocUpdate,
  },
};

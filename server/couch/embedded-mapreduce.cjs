// The embedded server's views, without a new V8 context per document. pouchdb-mapreduce runs every
// map function on every document in a fresh `vm.runInNewContext`: about a millisecond each, times
// every view of the design document, so a boot storm's few thousand state writes cost the embedded
// CouchDB tens of seconds of CPU while it indexes them (measured: 10 of 55 busy seconds in a
// 2,000-phone restart storm went to creating contexts). Here each view function is compiled once, in
// a context of its own, and kept: still a separate realm with no require, process or globals of
// ours, and documents go in and emitted rows come out as JSON strings, so no object of this realm is
// ever reachable from a design document's code. Same plugin interface, same index name (`mrviews`),
// so existing indexes stay valid.
'use strict';
const path = require('node:path');
const vm = require('node:vm');

// The copies pouchdb-server itself would load.
const serverDir = path.dirname(require.resolve('pouchdb-server/package.json'));
const here = path.dirname(require.resolve('pouchdb-mapreduce/package.json', { paths: [serverDir] }));
const createAbstractMapReduce = require(require.resolve('pouchdb-abstract-mapreduce', { paths: [here] }));
const { NotFoundError, BuiltInError } = require(require.resolve('pouchdb-mapreduce-utils', { paths: [here] }));

const SANDBOX_PRELUDE = [
  '"use strict";',
  'var log = function () {};',
  'var isArray = Array.isArray;',
  'var toJSON = JSON.parse;',
  'var sum = function (values) { var s = 0; for (var i = 0; i < values.length; i++) s += values[i]; return s; };',
  'var __emitted = [];',
  'var emit = function (key, value) { __emitted.push([key, value]); };',
].join('\n');

/** A design-document function compiled once in its own context: (args as JSON) → {result, emitted} as JSON. */
function compile(source) {
  const context = vm.createContext(Object.create(null));
  const run = vm.runInContext(`(function () {
${SANDBOX_PRELUDE}
var __fn = (${String(source).replace(/;\s*$/, '')});
return function (argsJson) {
  __emitted = [];
  var args = JSON.parse(argsJson);
  var result = __fn(args[0], args[1], args[2]);
  return JSON.stringify({ result: result === undefined ? null : result, emitted: __emitted });
};
})()`, context);
  return (...args) => JSON.parse(run(JSON.stringify(args)));
}

const compiled = new Map();
function compiledOnce(source) {
  let fn = compiled.get(source);
  if (!fn) {
    // A design document rewritten many times must not grow this without bound.
    if (compiled.size > 500) compiled.clear();
    fn = compile(source);
    compiled.set(source, fn);
  }
  return fn;
}

function mapper(mapFun, emit) {
  // Temporary views may pass a function taking emit (PouchDB's own API, not reachable over HTTP).
  if (typeof mapFun === 'function' && mapFun.length === 2) return (doc) => mapFun(doc, emit);
  const fn = compiledOnce(String(mapFun));
  return (doc) => {
    const out = fn(doc);
    for (const [key, value] of out.emitted) emit(key, value);
    return out.result;
  };
}

const numbers = (values) => {
  if (!values.every((v) => typeof v === 'number')) throw new BuiltInError('builtin reduce function requires map values to be numbers');
  return values;
};
const BUILT_IN = {
  _count: (keys, values) => values.length,
  _sum: (keys, values) => numbers(values).reduce((a, b) => a + b, 0),
  _stats: (keys, values) => {
    const v = numbers(values);
    return { sum: v.reduce((a, b) => a + b, 0), min: Math.min(...v), max: Math.max(...v), count: v.length, sumsqr: v.reduce((a, b) => a + b * b, 0) };
  },
};

function reducer(reduceFun) {
  const source = String(reduceFun);
  const name = /^\s*(_[a-z]+)/.exec(source);
  if (name) {
    if (!BUILT_IN[name[1]]) throw new Error(`${name[1]} is not a supported reduce function.`);
    return BUILT_IN[name[1]];
  }
  const fn = compiledOnce(source);
  return (keys, values, rereduce) => fn(keys, values, rereduce).result;
}

function ddocValidator(ddoc, viewName) {
  const fun = ddoc.views && ddoc.views[viewName];
  if (!fun || typeof fun.map !== 'string') throw new NotFoundError(`ddoc ${ddoc._id} has no string view named ${viewName}`);
}

const abstract = createAbstractMapReduce('mrviews', mapper, reducer, ddocValidator);

module.exports = {
  query(fun, opts, callback) { return abstract.query.call(this, fun, opts, callback); },
  viewCleanup(callback) { return abstract.viewCleanup.call(this, callback); },
};

/** Makes pouchdb-server load this plugin where it asks for pouchdb-mapreduce. */
module.exports.install = function install() {
  const Module = require('node:module');
  const target = require.resolve('pouchdb-mapreduce', { paths: [serverDir] });
  const m = new Module(target, module);
  m.filename = target;
  m.loaded = true;
  m.exports = { query: module.exports.query, viewCleanup: module.exports.viewCleanup };
  require.cache[target] = m;
};

// Database names and document ids become URL path segments. nano encodes most of them, but leaves
// any id that starts with `_design` or merely contains `_local` as it is, and fetch then resolves
// `..` and `%2e%2e` in it: `x_local/../../other_db/_all_docs` would read another database. Every
// name and id passes here before nano sees it: what cannot be one segment (or `_design/<name>`,
// `_local/<name>`) is refused, and what nano would leave raw is handed over already encoded.
import type { DocumentScope, ServerScope } from 'nano';
import { HttpError } from '../http/errors.js';

/** A name or id that would change the request's path: refused before any request is made. */
export class UnsafeCouchPath extends HttpError {
  constructor(what: 'database name' | 'document id', value: unknown) {
    super(400, 'bad_request', `${JSON.stringify(String(value).slice(0, 80))} is not a valid CouchDB ${what}`, { field: what === 'document id' ? 'id' : 'db' });
  }
}

// CouchDB's own rule for database names; `/` is encoded by nano (account/xx/xx/…).
const DB_NAME = /^[a-z][a-z0-9_$()+/-]*$/;
// The ids nano appends without encoding (its test, copied exactly: the second branch is unanchored).
const NANO_RAW = /^_design|_local/;
const SPECIAL = /^(_design|_local)\/(.+)$/s;
const DOT_SEGMENT = /^(\.|\.\.)$/;

// The one system database we address: setup creates it so that Apache CouchDB answers _db_updates.
const SYSTEM_DBS = new Set(['_global_changes']);

export function couchDbName(name: unknown): string {
  if (typeof name === 'string' && SYSTEM_DBS.has(name)) return name;
  if (typeof name !== 'string' || !DB_NAME.test(name) || name.length > 238) throw new UnsafeCouchPath('database name', name);
  return name;
}

/**
 * The id as nano must receive it so that the request names exactly this document: unchanged where
 * nano encodes it, encoded here where nano would not.
 */
export function couchDocId(id: unknown): string {
  if (typeof id !== 'string' || id === '' || DOT_SEGMENT.test(id)) throw new UnsafeCouchPath('document id', id);
  const special = SPECIAL.exec(id);
  if (special) {
    if (DOT_SEGMENT.test(special[2])) throw new UnsafeCouchPath('document id', id);
    return `${special[1]}/${encodeURIComponent(special[2])}`;
  }
  // `_all_docs`, `_changes`, `_find`, `_security`…: endpoints, not documents.
  if (id.startsWith('_')) throw new UnsafeCouchPath('document id', id);
  return NANO_RAW.test(id) ? encodeURIComponent(id) : id;
}

type AnyFn = (...args: any[]) => any;
const DOC_NAME_FIRST = new Set(['get', 'head', 'destroy', 'copy']);

function guardDocs<D>(db: DocumentScope<D>): DocumentScope<D> {
  const insert = (doc: { _id?: unknown }, params?: string | { docName?: unknown }) => {
    if (doc && doc._id !== undefined) couchDocId(doc._id);
    if (typeof params === 'string') return db.insert(doc as never, couchDocId(params));
    if (params && params.docName !== undefined) return db.insert(doc as never, { ...params, docName: couchDocId(params.docName) });
    return db.insert(doc as never, params as never);
  };
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key === 'insert') return insert;
      const value = Reflect.get(target, key, receiver);
      if (typeof key === 'string' && DOC_NAME_FIRST.has(key) && typeof value === 'function') {
        return (id: unknown, ...rest: unknown[]) => (value as AnyFn)(couchDocId(id), ...rest);
      }
      // Attachments name documents too: the same check, and a plain attachment name (firmware images).
      if (key === 'attachment') return guardAttachments(value as DocumentScope<D>['attachment']);
      if (key === 'multipart' || key === 'atomic' || key === 'updateWithHandler') return undefined;
      return value;
    },
  });
}

const ATT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function guardAttachments<A extends object>(att: A): A {
  return new Proxy(att, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (doc: unknown, name: unknown, ...rest: unknown[]) => {
        if (typeof name !== 'string' || !ATT_NAME.test(name)) throw new UnsafeCouchPath('document id', `${String(doc)}/${String(name)}`);
        return (value as AnyFn).call(target, couchDocId(doc), name, ...rest);
      };
    },
  });
}

const DB_NAME_FIRST = new Set(['create', 'get', 'destroy', 'compact', 'changes']);

/** The server scope with every database name and document id checked (server/couch/client.ts). */
export function guardServer(server: ServerScope): ServerScope {
  const use = <D>(name: unknown) => guardDocs(server.db.use<D>(couchDbName(name)));
  const db = new Proxy(server.db, {
    get(target, key, receiver) {
      if (key === 'use' || key === 'scope') return use;
      const value = Reflect.get(target, key, receiver);
      if (typeof key === 'string' && DB_NAME_FIRST.has(key) && typeof value === 'function') {
        return (name: unknown, ...rest: unknown[]) => (value as AnyFn)(couchDbName(name), ...rest);
      }
      return value;
    },
  });
  return new Proxy(server, {
    get(target, key, receiver) {
      if (key === 'use' || key === 'scope') return use;
      if (key === 'db') return db;
      return Reflect.get(target, key, receiver);
    },
  });
}

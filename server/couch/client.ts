// nano clients over HTTP. Every request on a phone or API path has a hard timeout; reads of many
// documents at once (start-up preloads, management views) a longer one, so a busy CouchDB slows them
// rather than failing them; change feeds (long polls) use a client without one.
import nano, { type ServerScope, type DocumentScope } from 'nano';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Agent, fetch, type Dispatcher } from 'undici';
import { basicAuth, ClusterDispatcher, CouchCluster, parseNodeList, type NodeObserver } from './cluster.js';
import { couchDbName, guardServer } from './safe-path.js';
import { conflict } from '../http/errors.js';

export interface Couch {
  /** Display form of the URL(s), credentials removed. */
  label: string;
  server: ServerScope;
  /** For reads of many documents at once: the bulk timeout instead of the phone path's. */
  bulk: ServerScope;
  /** For long-polling `_changes` feeds only. */
  feed: ServerScope;
  /**
   * An attachment's bytes as a stream, through the bulk client. nano's getAsStream pipes the body
   * into the stream it returns without passing on a body error, so a connection CouchDB drops
   * mid-body is thrown uncaught and ends the process; this stream errors instead, for its reader.
   */
  attachment(db: string, docId: string, name: string): Promise<Readable>;
  /** Node up/down state when the URL lists several nodes (empty for one). */
  nodes(): Array<{ node: string; up: boolean }>;
  close(): Promise<void>;
}

export function redactUrl(url: string): string {
  const nodes = parseNodeList(url);
  if (nodes.length > 1) return nodes.map(redactUrl).join(', ');
  try {
    const u = new URL(url);
    if (u.username || u.password) { u.username = '***'; u.password = ''; }
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** Which of a Couch's clients sent a request: a change feed's long poll is no load to count with the others. */
export type CouchClient = 'quick' | 'bulk' | 'feed';

/** Called for every request nano sends, and for every failed one; node events with several nodes. */
export interface CouchObserver extends NodeObserver { request(client: CouchClient): void; error(): void }

/**
 * `url` is one CouchDB URL or several nodes of one cluster (spaces or commas between them): then
 * every request goes to the first node that is up, and fails over to the next (server/couch/cluster.ts).
 */
export function connectCouch(url: string, timeoutMs: number, observer?: CouchObserver, bulkTimeoutMs = 60_000): Couch {
  const agents = () => ({
    quick: new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: timeoutMs },
      keepAliveTimeout: 30_000, connections: 64 }),
    bulk: new Agent({ headersTimeout: bulkTimeoutMs, bodyTimeout: bulkTimeoutMs, connect: { timeout: timeoutMs },
      keepAliveTimeout: 30_000, connections: 8 }),
    feed: new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: timeoutMs } }),
  });
  // nano logs each request it sends and each answer; counting those costs nothing on the request path.
  const log = (client: CouchClient) => (observer ? (entry: { url?: string; err?: string | null; headers?: { statusCode?: number } }) => {
    if (entry.url) observer.request(client);
    else if (entry.err === 'socket' || (entry.headers?.statusCode ?? 0) >= 500) observer.error();
  } : undefined);
  const nodes = parseNodeList(url);
  if (nodes.length <= 1) {
    // One node: plain agents, nothing in between.
    const a = agents();
    return {
      label: redactUrl(url), nodes: () => [],
      server: guardServer(nano({ url: nodes[0] ?? url, agentOptions: a.quick as never, log: log('quick') } as never)),
      bulk: guardServer(nano({ url: nodes[0] ?? url, agentOptions: a.bulk as never, log: log('bulk') } as never)),
      feed: guardServer(nano({ url: nodes[0] ?? url, agentOptions: a.feed as never, log: log('feed') } as never)),
      attachment: attachmentReader(nodes[0] ?? url, a.bulk),
      close: async () => { await Promise.all([a.quick.close(), a.bulk.close(), a.feed.close()]); },
    };
  }
  const cluster = new CouchCluster(nodes, agents, { probeTimeoutMs: timeoutMs, observer });
  return {
    label: redactUrl(url),
    nodes: () => cluster.nodes.map((n) => ({ node: n.label, up: n.up })),
    // nano is configured with the first node; the dispatcher sends each request where it should go.
    server: guardServer(nano({ url: nodes[0], agentOptions: new ClusterDispatcher(cluster, 'quick') as never, log: log('quick') } as never)),
    bulk: guardServer(nano({ url: nodes[0], agentOptions: new ClusterDispatcher(cluster, 'bulk') as never, log: log('bulk') } as never)),
    feed: guardServer(nano({ url: nodes[0], agentOptions: new ClusterDispatcher(cluster, 'feed') as never, log: log('feed') } as never)),
    attachment: attachmentReader(nodes[0], new ClusterDispatcher(cluster, 'bulk')),
    close: () => cluster.close(),
  };
}

/** GETs attachments from the CouchDB at `url` (credentials in it become Basic auth) through `dispatcher`. */
function attachmentReader(url: string, dispatcher: Dispatcher): Couch['attachment'] {
  const u = new URL(url);
  const auth = basicAuth(u);
  u.username = '';
  u.password = '';
  const base = u.toString().replace(/\/$/, '');
  return async (db, docId, name) => {
    const target = `${base}/${encodeURIComponent(couchDbName(db))}/${encodeURIComponent(docId)}/${encodeURIComponent(name)}`;
    const res = await fetch(target, { dispatcher, headers: auth ? { authorization: auth } : {} });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      throw Object.assign(new Error(`attachment ${docId}/${name}: CouchDB answered ${res.status}`), { statusCode: res.status });
    }
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  };
}

export interface CouchError { statusCode?: number; error?: string; reason?: string; message?: string }

export function statusOf(err: unknown): number | undefined {
  return (err as CouchError | null)?.statusCode;
}

export async function getOrNull<T>(db: DocumentScope<T>, id: string, params?: nano.DocumentGetParams): Promise<(T & nano.DocumentGetResponse) | null> {
  try {
    return await (params ? db.get(id, params) : db.get(id));
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/**
 * Writes `doc` over whatever revision is stored, creating it if there is none. Another writer may
 * move the document in between: then it is read again, up to `attempts` times. Returns the new rev.
 */
export async function putOver<T extends { _id: string }>(db: DocumentScope<any>, doc: T, attempts = 5): Promise<string> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await getOrNull<{ _rev: string }>(db, doc._id);
    try {
      return (await db.insert(current ? { ...doc, _rev: current._rev } : doc)).rev;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
  }
  throw conflict(`${doc._id} kept changing while being written (${attempts} conflicting attempts); try again`);
}

/**
 * Deletes whatever revision of `id` is stored. A writer that moves it in between makes this read it
 * again; one that deletes it first wins (false, as when there was nothing). True when this call deleted it.
 */
export async function removeCurrent(db: DocumentScope<any>, id: string, attempts = 5): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await getOrNull<{ _id: string; _rev: string }>(db, id);
    if (!current) return false;
    try {
      await db.destroy(id, current._rev);
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      if (statusOf(err) !== 409) throw err;
    }
  }
  throw conflict(`${id} kept changing while being deleted (${attempts} conflicting attempts); try again`);
}

/**
 * One _bulk_docs per `size` documents: every request stays well inside the client's timeout
 * (COUCH_TIMEOUT_MS, at most 2 s), also where validate_doc_update runs per document in CouchDB's
 * JavaScript engine (QuickJS on CouchDB 3.5 takes about 13 ms per catalog template).
 */
export async function bulkInChunks(db: DocumentScope<any>, docs: Array<Record<string, unknown>>, size = 40): Promise<nano.DocumentBulkResponse[]> {
  const out: nano.DocumentBulkResponse[] = [];
  for (let i = 0; i < docs.length; i += size) out.push(...(await db.bulk({ docs: docs.slice(i, i + size) })));
  return out;
}

/** Creates a database unless it exists; true when it was created. */
export async function ensureDb(server: ServerScope, name: string): Promise<boolean> {
  try {
    await server.db.create(name);
    return true;
  } catch (err) {
    if (statusOf(err) === 412) return false;
    throw err;
  }
}

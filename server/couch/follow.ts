// Follows a database's _changes feed, or the server's _db_updates (pass the feed client: no request
// timeout), with long polls from a checkpoint until stopped. Errors back off and retry, so a CouchDB
// restart is survived without a restart of ours.
import type { DocumentScope, ServerScope } from 'nano';
import type { Logger } from '../log.js';

export interface Change { id: string; seq: string; rev?: string; deleted?: boolean; doc?: Record<string, unknown> }
export interface Follower { stop(): Promise<void>; /** Resolves once the feed has caught up at least once. */ ready: Promise<void> }

interface Page<T> { results: T[]; last_seq: string; pending?: number }
type Poll<T> = (since: string, signal: AbortSignal) => Promise<Page<T>>;

export function follow(db: DocumentScope<unknown>, opts: {
  since: string; includeDocs?: boolean; log: Logger; label: string;
  onChanges: (changes: Change[], lastSeq: string) => Promise<void> | void;
}): Follower {
  return followFeed((since, signal) => changesOnce(db, since, !!opts.includeDocs, signal), opts);
}

export interface DbUpdate { db_name: string; type: string; seq: string }

/**
 * Apache CouchDB's _db_updates: which databases changed, server-wide. Null when the server has no such
 * feed (the embedded pouchdb-server answers 400; a CouchDB without `_global_changes` 503 or 404).
 */
export async function dbUpdatesSeq(server: ServerScope): Promise<string | null> {
  try {
    const res = await (server as any).relax({ path: '_db_updates', method: 'GET', qs: { since: 'now', limit: 1 } });
    return typeof res?.last_seq === 'string' || typeof res?.last_seq === 'number' ? String(res.last_seq) : null;
  } catch (err) {
    if ([400, 404, 405, 501, 503].includes((err as { statusCode?: number }).statusCode ?? 0)) return null;
    throw err;
  }
}

export function followDbUpdates(server: ServerScope, opts: {
  since: string; log: Logger; label: string;
  onChanges: (updates: DbUpdate[], lastSeq: string) => Promise<void> | void;
}): Follower {
  return followFeed(async (since, signal) => {
    const res = await (server as any).relax({ path: '_db_updates', method: 'GET', signal,
      qs: { feed: 'longpoll', since, timeout: 10000, limit: 500 } });
    return { results: res.results || [], last_seq: String(res.last_seq) };
  }, opts);
}

function followFeed<T>(poll: Poll<T>, opts: {
  since: string; log: Logger; label: string;
  onChanges: (changes: T[], lastSeq: string) => Promise<void> | void;
}): Follower {
  let stopped = false;
  let since = opts.since;
  let controller: AbortController | null = null;
  let markReady: () => void = () => {};
  let wake: () => void = () => {};
  const sleep = (ms: number) => new Promise<void>((r) => { const t = setTimeout(r, ms); wake = () => { clearTimeout(t); r(); }; });
  const ready = new Promise<void>((r) => { markReady = r; });
  const loop = (async () => {
    let backoff = 250;
    while (!stopped) {
      try {
        controller = new AbortController();
        const res = await poll(since, controller.signal);
        if (stopped) break;
        if (res.results.length) await opts.onChanges(res.results, res.last_seq);
        since = res.last_seq;
        backoff = 250;
        if (!res.results.length || res.pending === 0) markReady();
      } catch (err) {
        if (stopped) break;
        // A database that does not exist yet (Kazoo not installed) is waited for quietly.
        const missing = (err as { statusCode?: number }).statusCode === 404;
        opts.log[missing ? 'debug' : 'warn']({ feed: opts.label, err: (err as Error).message }, 'change feed interrupted; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  })();
  return {
    ready,
    async stop() {
      stopped = true;
      controller?.abort();
      wake();
      // The abort does not always reach a long poll whose headers have arrived (pouchdb-server sends
      // them at once); such a poll ends by its own timeout and its result is dropped (stopped is
      // checked first), so stopping need not wait for it.
      await Promise.race([loop.catch(() => {}), new Promise((r) => setTimeout(r, 500).unref())]);
    },
  };
}

async function changesOnce(db: DocumentScope<unknown>, since: string, includeDocs: boolean, signal: AbortSignal): Promise<Page<Change>> {
  const server = (db as any).server;
  const res = await server.relax({
    db: (db as any).config.db, path: '_changes', method: 'GET', signal,
    qs: { feed: 'longpoll', since, timeout: 10000, include_docs: includeDocs, limit: 500 },
  });
  return { results: res.results.map((r: any) => ({ id: r.id, seq: r.seq, rev: r.changes?.[0]?.rev, deleted: r.deleted, doc: r.doc })), last_seq: res.last_seq, pending: res.pending };
}

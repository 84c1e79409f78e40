// Read-through document caches for the reprovision hot path, kept fresh from CouchDB _changes
// feeds: every app foreground calls us, and answering from memory is what makes "≥ 1,000 requests/s
// with no CouchDB traffic when nothing changed" possible. Writes never trust the cache: they carry
// the cached _rev, so a stale entry ends in a 409, not in a lost update.
import type { DocumentScope } from 'nano';
import type { AppContext } from '../context.js';
import { follow, type Change, type Follower } from '../couch/follow.js';
import { statusOf } from '../couch/client.js';

type Doc = { _id: string; _rev?: string };
interface Entry { doc: Doc | null; gen: number }

const generation = (rev: string | undefined) => (rev ? parseInt(rev, 10) || 0 : 0);

export class DocCache<T extends Doc = Doc> {
  private entries = new Map<string, Entry>();
  /** Ids being read from CouchDB, and whether a change for them arrived meanwhile. */
  private inflight = new Map<string, { readers: number; dirty: boolean }>();

  constructor(private load: (ids: string[]) => Promise<Map<string, T | null>>, private maxEntries = 100_000) {}

  async getMany(ids: string[]): Promise<Map<string, T | null>> {
    const out = new Map<string, T | null>();
    const missing: string[] = [];
    for (const id of ids) {
      const e = this.entries.get(id);
      if (e) out.set(id, e.doc as T | null);
      else if (!missing.includes(id)) missing.push(id);
    }
    if (!missing.length) return out;
    for (const id of missing) {
      const f = this.inflight.get(id);
      if (f) f.readers++;
      else this.inflight.set(id, { readers: 1, dirty: false });
    }
    try {
      const loaded = await this.load(missing);
      for (const id of missing) {
        const doc = loaded.get(id) ?? null;
        out.set(id, doc);
        // A change seen while reading may be newer than what was read: do not keep it.
        if (!this.inflight.get(id)!.dirty) this.remember(id, doc, generation(doc?._rev));
      }
    } finally {
      for (const id of missing) {
        const f = this.inflight.get(id)!;
        if (--f.readers === 0) this.inflight.delete(id);
      }
    }
    return out;
  }

  /** A change from the feed, or a write of ours (write-through). Never moves an entry backwards. */
  apply(id: string, doc: Doc | null, rev: string | undefined): void {
    const f = this.inflight.get(id);
    if (f) f.dirty = true;
    const e = this.entries.get(id);
    if (!e) return;
    const gen = generation(rev);
    if (gen > e.gen) this.remember(id, doc, gen);
  }

  /** A write of ours: the new revision becomes the cached one at once. */
  wrote(doc: T | null, id: string, rev: string): void {
    const e = this.entries.get(id);
    const gen = generation(rev);
    if (!e || gen >= e.gen) this.remember(id, doc ? { ...doc, _rev: rev } : null, gen);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  private remember(id: string, doc: Doc | null, gen: number): void {
    this.entries.delete(id);
    this.entries.set(id, { doc, gen });
    if (this.entries.size > this.maxEntries) {
      // Map order is insertion order: drop the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

export function applyChanges(cache: DocCache<any>, changes: Change[]): void {
  for (const c of changes) {
    const doc = (c.doc || null) as Doc | null;
    cache.apply(c.id, c.deleted || !doc || (doc as { _deleted?: boolean })._deleted ? null : doc, doc?._rev);
  }
}

/** Reads several documents of one database in one request; missing and deleted ones are null. */
export async function fetchDocs<T>(db: DocumentScope<any>, ids: string[]): Promise<Map<string, T | null>> {
  const out = new Map<string, T | null>();
  try {
    const res = await db.fetch({ keys: ids });
    for (const row of res.rows as Array<{ key?: string; doc?: T | null }>) if (row.key) out.set(row.key, row.doc || null);
  } catch (err) {
    if (statusOf(err) !== 404) throw err; // a database that does not exist holds nothing
  }
  return out;
}

/**
 * Kazoo device documents of the accounts that have SessionTalk installs: one cache and one feed per
 * account database, started the first time the account is asked for.
 */
export class KazooDeviceCache {
  private accounts = new Map<string, { cache: DocCache<any>; follower: Follower | null; started: Promise<void> }>();
  private stopped = false;

  constructor(private app: AppContext, private dbOf: (accountId: string) => DocumentScope<any>,
    private feedOf: (accountId: string) => DocumentScope<any>) {}

  async get(accountId: string, ids: string[]): Promise<Map<string, any>> {
    let a = this.accounts.get(accountId);
    if (!a) {
      const db = this.dbOf(accountId);
      const cache = new DocCache<any>((keys) => fetchDocs(db, keys));
      const entry: { cache: DocCache<any>; follower: Follower | null; started: Promise<void> } = { cache, follower: null, started: Promise.resolve() };
      entry.started = (async () => {
        // The feed starts from the sequence read before anything is cached, so no change is missed.
        const info = await db.info();
        if (this.stopped) return;
        entry.follower = follow(this.feedOf(accountId), {
          since: String(info.update_seq), includeDocs: true, log: this.app.log, label: 'sessiontalk-kazoo-devices',
          onChanges: (changes) => applyChanges(cache, changes),
        });
      })();
      this.accounts.set(accountId, entry);
      a = entry;
      a.started.catch(() => this.accounts.delete(accountId));
    }
    await a.started;
    return a.cache.getMany(ids);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.accounts.values()].map(async (a) => { await a.started.catch(() => {}); await a.follower?.stop(); }));
  }
}

/**
 * Waits for feeds to stop, but not for ever: a long poll that ignores its abort (seen with the
 * embedded server under many open feeds) ends by itself within its 25 s timeout, and the loop then
 * sees it was stopped. Shutdown should not wait for that.
 */
export async function stopWithin(ms: number, stop: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stop.catch(() => {}), new Promise<void>((r) => { timer = setTimeout(r, ms); timer.unref(); })]);
  clearTimeout(timer);
}

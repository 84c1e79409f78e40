// Which versions of its files each device fetched: the last FETCH_HISTORY_COUNT distinct ETags per
// device (`fetched:<account>:<mac>`), and each version's body with its secrets masked, stored once per
// account and content (`body:<account>:<sha256>`, kept FETCH_BODY_DAYS), so an operator can see what
// changed since the phone last fetched. Off the phone's path: a fetch costs one map lookup; only a new
// ETag is queued, and the queue goes to CouchDB in batches, one a second (server/couch/write-queue.ts).
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Rendered } from '../render/pipeline.js';
import { WriteQueue } from '../couch/write-queue.js';
import { docsByPrefix } from '../couch/pages.js';

export interface FetchEntry { file: string; etag: string; at: number; body: string | null }
interface FetchedDoc { _id: string; _rev?: string; pvt_type: 'device_fetches'; account_id: string; mac: string; fetches: FetchEntry[] }
interface BodyDoc { _id: string; pvt_type: 'file_body'; account_id: string; content_type: string; data: string; expires_at: number }
interface Pending { accountId: string; mac: string; file: string; etag: string; at: number; masked?: () => Rendered }

/** Larger files are listed without a body: a diff of them would not be read anyway. */
export const FETCH_BODY_MAX = 256 * 1024;
const FLUSH_MS = 1000;
/** At most this many fetches a flush (a second): see WriteQueue. */
const FLUSH_MAX = 500;
const MEMO_MAX = 200_000;

export const fetchedId = (accountId: string, mac: string) => `fetched:${accountId}:${mac}`;
/** A device's file in the memo of what it last fetched. */
const memoKey = (accountId: string, mac: string, file: string) => `${accountId}|${mac}|${file}`;

export class FetchHistory {
  /** The ETag last recorded per account|mac|file, so a phone fetching the same file again costs nothing. */
  private seen = new Map<string, string>();
  private queue = new WriteQueue<Pending>((batch) => this.write([...batch.values()]).catch((err) => {
    // Forgotten, so the next fetch queues it again.
    for (const p of batch.values()) this.seen.delete(memoKey(p.accountId, p.mac, p.file));
    this.app.log.debug({ err: (err as Error).message }, 'fetch history not recorded yet');
  }), { everyMs: FLUSH_MS, max: FLUSH_MAX });

  private preloading: Promise<number> | null = null;
  private stopped = false;

  constructor(private app: AppContext) {}

  /**
   * Reads what each device last fetched into the memo, once at start: after a restart every phone
   * fetches its unchanged files again, and each would otherwise cost a read of its record to find
   * nothing new to write (10,000 reads by key in a restart storm's first seconds). Returns how many
   * files it learnt; a memo too big to hold is left partial. A failure is logged: those phones are
   * then looked up as before.
   */
  preload(): Promise<number> {
    this.preloading ??= (async () => {
      let added = 0;
      for await (const doc of docsByPrefix<FetchedDoc>(this.app.bulk.stateDb, 'fetched:')) {
        // A stop does not wait for the rest of the pages (each may take up to the bulk timeout).
        if (this.stopped || this.seen.size >= MEMO_MAX * 0.8) break;
        // Newest first: the first entry of each file is its last version. A phone that fetched
        // meanwhile is already in the memo with something newer than this snapshot.
        for (const f of doc.fetches || []) {
          const key = memoKey(doc.account_id, doc.mac, f.file);
          if (this.seen.has(key)) continue;
          this.seen.set(key, f.etag);
          added++;
        }
      }
      return added;
    })().catch((err) => {
      this.app.log.warn({ err: (err as Error).message }, 'fetch history not preloaded; each phone\'s record is read on its next fetch');
      return 0;
    });
    return this.preloading;
  }

  /** A device was served a file (`masked` renders the same version with secrets masked). Never awaited. */
  record(accountId: string, mac: string, file: string, etag: string, masked?: () => Rendered): void {
    const key = memoKey(accountId, mac, file);
    if (this.seen.get(key) === etag) return;
    if (this.seen.size >= MEMO_MAX) this.seen.clear();
    this.seen.set(key, etag);
    this.queue.set(key, { accountId, mac, file, etag, at: this.app.now(), masked });
  }

  /** Writes everything queued (shutdown, tests). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  private async write(batch: Pending[]): Promise<void> {
    const db = this.app.stateDb;
    // A map, not a search per document: a restart storm's batch holds a second's thousand fetches.
    const byDoc = new Map<string, Pending[]>();
    for (const p of batch) {
      const id = fetchedId(p.accountId, p.mac);
      const list = byDoc.get(id);
      if (list) list.push(p); else byDoc.set(id, [p]);
    }
    const ids = [...byDoc.keys()];
    const res = await db.fetch({ keys: ids });
    const docs = new Map<string, FetchedDoc>();
    ids.forEach((id, i) => {
      const cur = (res.rows[i] as { doc?: FetchedDoc | null }).doc;
      const p = byDoc.get(id)![0];
      docs.set(id, cur ?? { _id: id, pvt_type: 'device_fetches', account_id: p.accountId, mac: p.mac, fetches: [] });
    });
    const bodies = new Map<string, BodyDoc>();
    const changed = new Set<string>();
    for (const [id, pending] of byDoc) for (const p of pending) {
      const doc = docs.get(id)!;
      // Another instance (or this one before a restart) recorded this version already.
      if (doc.fetches.find((f) => f.file === p.file)?.etag === p.etag) continue;
      const body = this.bodyOf(p);
      if (body) bodies.set(body._id, body);
      doc.fetches = [{ file: p.file, etag: p.etag, at: p.at, body: body?._id ?? null }, ...doc.fetches].slice(0, this.app.config.fetchHistoryCount);
      changed.add(doc._id);
    }
    // Bodies first: an entry never names a body that is not stored. One already stored answers "conflict", which is fine.
    if (bodies.size) await db.bulk({ docs: [...bodies.values()] as never });
    if (!changed.size) return;
    const out = await db.bulk({ docs: [...changed].map((id) => docs.get(id)!) as never });
    // Written meanwhile by another instance: the next fetch records it again.
    for (const r of out) if (r.error) for (const p of byDoc.get(r.id!) || []) this.seen.delete(memoKey(p.accountId, p.mac, p.file));
  }

  private bodyOf(p: Pending): BodyDoc | null {
    if (!p.masked) return null;
    let r: Rendered;
    try {
      r = p.masked();
    } catch (err) {
      this.app.log.warn({ err: (err as Error).message }, 'masked copy of a fetched file not rendered');
      return null;
    }
    if (r.body.length > FETCH_BODY_MAX) return null;
    const hash = createHash('sha256').update(r.body).digest('hex');
    return { _id: `body:${p.accountId}:${hash}`, pvt_type: 'file_body', account_id: p.accountId, content_type: r.contentType,
      data: r.body.toString('base64'), expires_at: this.app.now() + this.app.config.fetchBodyDays * 86_400_000 };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.preloading;
    await this.queue.stop();
  }
}

/** A device's recorded fetches, newest first. */
export async function fetchesOf(app: AppContext, accountId: string, mac: string): Promise<FetchEntry[]> {
  const res = await app.stateDb.fetch({ keys: [fetchedId(accountId, mac)] });
  const doc = (res.rows[0] as { doc?: FetchedDoc | null }).doc;
  return doc && doc.account_id === accountId ? doc.fetches : [];
}

/** A kept (masked) body, or null when it has expired. Scoped: the id names the account. */
export async function keptBody(app: AppContext, accountId: string, id: string): Promise<Buffer | null> {
  if (!id.startsWith(`body:${accountId}:`)) return null;
  const res = await app.stateDb.fetch({ keys: [id] });
  const doc = (res.rows[0] as { doc?: BodyDoc | null }).doc;
  return doc && doc.account_id === accountId ? Buffer.from(doc.data, 'base64') : null;
}

// When each MAC last fetched which file, from where, with what User-Agent — for the admin screens and
// for adopting unknown MACs. Kept off the phone's path: at most one write per MAC per minute, and the
// writes go to CouchDB in one _bulk_docs a second of at most FLUSH_MAX (a boot storm must not become a
// write storm; server/couch/write-queue.ts).
// Unknown MACs are bounded in number and expire (unknown-budget.ts): strangers make them up at will.
import type { AppContext } from '../context.js';
import { getOrNull } from '../couch/client.js';
import { UNKNOWN_TTL_MS, UnknownBudget } from './unknown-budget.js';
import { WriteQueue } from '../couch/write-queue.js';

/** `etag`: of the file served (200 only), so a resync can tell who fetched the new file. */
export interface Sighting { at: number; ip: string; file: string; ua: string; status: number; etag?: string }
const THROTTLE_MS = 60_000;
const FLUSH_MS = 1000;
/** At most this many documents a flush (a second): see WriteQueue. */
const FLUSH_MAX = 200;
/** Known phones' sightings are indexed once no flush came for this long. */
const QUIET_MS = 5000;

interface Pending { mac: string; accountId: string | null; last: Sighting; count: number }

export class Sightings {
  private lastWrite = new Map<string, number>();
  /** The ETag last written per MAC and file: a phone fetching a changed file is recorded at once (resync status). */
  private lastEtag = new Map<string, string>();
  /** Sightings inside the throttle window, added to the stored count with the next write. */
  private held = new Map<string, number>();
  private queue = new WriteQueue<Pending>((batch) => this.write(batch).catch((err) => {
    // CouchDB unreachable: keep the counts for the next flush rather than lose them.
    for (const [id, p] of batch) if (!this.queue.has(id)) this.queue.set(id, p);
    this.app.log.debug({ err: (err as Error).message }, 'sightings not recorded yet');
  }), { everyMs: FLUSH_MS, max: FLUSH_MAX });
  private warming: Promise<unknown> | null = null;
  private quietTimer: NodeJS.Timeout | null = null;
  private budget: UnknownBudget;
  constructor(private app: AppContext) {
    this.budget = new UnknownBudget(app);
  }

  /** Known device (accountId set) or unknown MAC (accountId null). Never awaited on the phone's path. */
  record(mac: string, accountId: string | null, s: Sighting): void {
    const id = accountId ? `seen:${mac}` : `unknown:${mac}`;
    const now = this.app.now();
    const fileKey = `${id}|${s.file}`;
    const sameFile = !s.etag || this.lastEtag.get(fileKey) === s.etag;
    if (sameFile && now - (this.lastWrite.get(id) || 0) < THROTTLE_MS) { this.held.set(id, (this.held.get(id) || 0) + 1); return; }
    // A full list takes no new MAC; one this instance wrote lately is still stored and is updated.
    if (!accountId && this.budget.full() && !this.lastWrite.has(id)) return;
    this.lastWrite.set(id, now);
    if (s.etag) this.lastEtag.set(fileKey, s.etag);
    if (this.lastWrite.size > 200_000 || this.lastEtag.size > 200_000) { this.lastWrite.clear(); this.held.clear(); this.lastEtag.clear(); }
    const count = 1 + (this.held.get(id) || 0) + (this.queue.get(id)?.count || 0);
    this.held.delete(id);
    this.queue.set(id, { mac, accountId, last: s, count });
  }

  /** Writes everything queued (shutdown, tests). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  private async write(batch: Map<string, Pending>): Promise<void> {
    const db = this.app.stateDb;
    const all = [...batch.keys()];
    // Only strangers are counted against the budget: a batch of known phones (a restart storm's) does
    // not query the view, which would have CouchDB index what was written meanwhile, there and then.
    if (all.some((id) => !batch.get(id)!.accountId)) await this.budget.recount();
    const current = await db.fetch({ keys: all });
    const curOf = new Map(all.map((id, i) => [id, (current.rows[i] as { doc?: any }).doc]));
    const fresh = all.filter((id) => !batch.get(id)!.accountId && !curOf.get(id));
    const dropped = new Set(fresh.slice(this.budget.take(fresh.length)));
    for (const id of dropped) this.lastWrite.delete(id);
    const ids = all.filter((id) => !dropped.has(id));
    const docs = ids.map((id) => {
      const cur = curOf.get(id);
      const p = batch.get(id)!;
      return { _id: id, ...(cur ? { _rev: cur._rev } : {}), pvt_type: p.accountId ? 'device_seen' : 'unknown_mac', mac: p.mac,
        ...(p.accountId ? { account_id: p.accountId } : { expires_at: p.last.at + UNKNOWN_TTL_MS }), last: p.last,
        count: (cur?.count || 0) + p.count, first_at: cur?.first_at || p.last.at };
    });
    if (!docs.length) return;
    const res = await db.bulk({ docs });
    // Strangers' documents are what management lists and SessionTalk scans would wait for: indexed at
    // once. Known phones' documents wait until the writes stop (a boot storm writes one a phone, and
    // indexing them meanwhile took the embedded CouchDB's CPU from the phones being served).
    if (docs.some((d) => d.pvt_type === 'unknown_mac')) this.warmViews();
    else this.warmViewsWhenQuiet();
    // Another instance wrote the same MAC meanwhile: try again with its revision next time.
    res.forEach((r, i) => { if (r.error === 'conflict' && !this.queue.has(ids[i])) this.queue.set(ids[i], batch.get(ids[i])!); });
  }

  /**
   * Has the state design document's views index what was just written, through the bulk client and
   * off every caller's path. CouchDB indexes a design document on its next query: left alone, the
   * first admin list or SessionTalk scan after a flood of strangers would wait for thousands of
   * documents to be indexed, past its 2 s timeout. One at a time; the next flush starts the next.
   */
  private warmViews(): void {
    this.warming ??= this.app.bulk.stateDb.view('state', 'by_type', { reduce: false, limit: 0 })
      .catch(() => { /* a later flush or query indexes them */ })
      .finally(() => { this.warming = null; });
  }

  /** The same, once the flushes have stopped for QUIET_MS. */
  private warmViewsWhenQuiet(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => { this.quietTimer = null; this.warmViews(); }, QUIET_MS);
    this.quietTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.quietTimer) { clearTimeout(this.quietTimer); this.quietTimer = null; }
    await this.queue.stop();
    // An index warm-up still running is not waited for: it only saves a later query some time, and on
    // a busy CouchDB it may take up to the bulk timeout (60 s), which would hold up the shutdown.
  }

  async get(mac: string): Promise<{ last: Sighting; count: number } | null> {
    return getOrNull<any>(this.app.stateDb, `seen:${mac}`);
  }
}

export interface UnknownMac { mac: string; count: number; last_ip: string; ua: string; at: number; first_at: number }

export const unknownOf = (d: any): UnknownMac => ({ mac: d.mac, count: d.count, last_ip: d.last?.ip, ua: d.last?.ua, at: d.last?.at, first_at: d.first_at });
export const docsOf = (res: { rows: unknown[] }) => (res.rows as Array<{ doc?: any }>).map((r) => r.doc).filter(Boolean);

/** MACs that asked for files and are on no Kazoo device (never auto-created), most recent first. */
export async function unknownMacs(app: AppContext, limit = 1000): Promise<UnknownMac[]> {
  const res = await app.bulk.stateDb.view('state', 'unknown_by_time', { descending: true, include_docs: true, limit });
  return docsOf(res).map(unknownOf);
}

// A small read-through cache for state that every instance shares through CouchDB (settings, bans,
// locks, credentials). Entries live a short time (the change feed drops them sooner), and when
// CouchDB cannot be reached the last value read is used: phones never wait on a dead database.
import type { AppContext } from '../context.js';
import { isConnectionError } from '../couch/errors.js';
import { docsByPrefix } from '../couch/pages.js';

interface Entry<T> { value: T; at: number }

/**
 * How long an entry is trusted without hearing from the state feed. The feed drops an entry as soon as
 * its document changes (on any instance), so this only bounds the damage of a feed that stalls; a
 * short TTL would make every warm phone fetch read CouchDB again (measured: ~2 reads per file in a
 * 10,000-phone boot storm with 5 s).
 */
export const CACHE_TTL_MS = 10 * 60_000;
/**
 * How long a phone calling right after start waits for the preload before reading its own document:
 * 10,000 phones' locks and credentials take about a second to preload on the embedded server.
 */
const PRIME_WAIT_MS = 2000;
/** Enough for every lock and every credential of 100,000 phones, with room to spare. */
const MAX_ENTRIES = 200_000;

export class TtlCache<T> {
  private entries = new Map<string, Entry<T>>();
  private loading = new Map<string, Promise<T>>();
  /** When the last complete snapshot was primed: keys it did not hold are known to be absent until the TTL. */
  private completeAt: number | null = null;
  private absent: T | undefined;
  /** While a preload runs: resolves when it is done, or PRIME_WAIT_MS after it began, whichever comes first. */
  private primeWait: Promise<void> | null = null;

  constructor(private app: AppContext, private ttlMs: number) {}

  async get(key: string, load: () => Promise<T>, mayWait = true): Promise<T> {
    const hit = this.entries.get(key);
    // Right after start the preload is on its way: wait for it (a little) rather than read alongside it.
    if (!hit && mayWait && this.primeWait) { await this.primeWait; return this.get(key, load, false); }
    if (hit && this.app.now() - hit.at < this.ttlMs) return hit.value;
    if (!hit && this.completeAt !== null && this.app.now() - this.completeAt < this.ttlMs) return this.absent as T;
    let p = this.loading.get(key);
    if (!p) {
      p = load().finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    try {
      const value = await p;
      this.set(key, value);
      return value;
    } catch (err) {
      if (hit && isConnectionError(err)) return hit.value;
      throw err;
    }
  }

  set(key: string, value: T): void {
    if (this.entries.size >= MAX_ENTRIES) { this.entries.clear(); this.completeAt = null; }
    this.entries.set(key, { value, at: this.app.now() });
  }

  /**
   * Fills the cache with every state document whose id starts with `prefix`, at once (after a restart, a boot storm would otherwise
   * read each phone's document on its first fetch). Start the change feed first, from a sequence
   * taken before this: a key the feed drops meanwhile, or one read on its own, is newer than the
   * snapshot and is kept. Keys the snapshot lacks then get `valueOf(null)` without a read, for the TTL.
   * Returns how many entries it added; a snapshot too big to hold is kept partial (no absent keys).
   */
  async prime<D>(prefix: string, keyOf: (doc: D) => string, valueOf: (doc: D | null) => T): Promise<number> {
    const at = this.app.now();
    let added = 0;
    this.absent = valueOf(null);
    let done: () => void = () => {};
    this.primeWait = new Promise<void>((r) => { done = r; });
    const timer = setTimeout(done, PRIME_WAIT_MS);
    timer.unref?.();
    try {
      for await (const doc of docsByPrefix<D>(this.app.bulk.stateDb, prefix)) {
        if (this.entries.size >= MAX_ENTRIES * 0.8) return added;
        const key = keyOf(doc);
        if (this.entries.has(key)) continue;
        this.entries.set(key, { value: valueOf(doc), at });
        added++;
      }
      this.completeAt = at;
      return added;
    } finally {
      this.primeWait = null;
      clearTimeout(timer);
      done();
    }
  }

  /**
   * Read it again next time; the old value stays only as the fallback for an unreachable CouchDB.
   * A change feed reporting the revision we already hold (our own write, echoed) changes nothing:
   * false then.
   */
  drop(key: string, rev?: string): boolean {
    const hit = this.entries.get(key);
    if (hit && rev && (hit.value as { _rev?: string } | null)?._rev === rev) return false;
    if (hit) hit.at = -Infinity;
    // A key the snapshot lacks (or will lack) now exists somewhere: read it next time.
    else if (this.primeWait || this.completeAt !== null) this.entries.set(key, { value: this.absent as T, at: -Infinity });
    return true;
  }
}

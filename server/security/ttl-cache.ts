// A small read-through cache for state that every instance shares through CouchDB (settings, bans,
// locks, credentials). Entries live a short time (the change feed drops them sooner), and when
// CouchDB cannot be reached the last value read is used: phones never wait on a dead database.
import type { AppContext } from '../context.js';
import { isConnectionError } from '../couch/errors.js';

interface Entry<T> { value: T; at: number }

/**
 * How long an entry is trusted without hearing from the state feed. The feed drops an entry as soon as
 * its document changes (on any instance), so this only bounds the damage of a feed that stalls; a
 * short TTL would make every warm phone fetch read CouchDB again (measured: ~2 reads per file in a
 * 10,000-phone boot storm with 5 s).
 */
export const CACHE_TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 50_000;

export class TtlCache<T> {
  private entries = new Map<string, Entry<T>>();
  private loading = new Map<string, Promise<T>>();

  constructor(private app: AppContext, private ttlMs: number) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && this.app.now() - hit.at < this.ttlMs) return hit.value;
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
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, at: this.app.now() });
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
    return true;
  }
}

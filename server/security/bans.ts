// Probe limits: refused phone requests are counted per source IP; PROBE_LIMIT of them within a
// minute ban that IP for BAN_MINUTES. Bans live in CouchDB (doc `ban:<ip>`), so every instance
// enforces them; the counting is per instance (N instances let a prober try at most N × the limit).
// A ban concerns one IP only. An account admin may lift it for their own account's phones
// (`lifted_for`), which cannot help anyone probe other accounts; the super-admin lifts it for all.
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { CACHE_TTL_MS, TtlCache } from './ttl-cache.js';

const WINDOW_MS = 60_000;
/**
 * How long a phone may take to answer a Digest challenge. When an IP reaches the limit while some
 * of its challenges are that young, the ban waits this long (or until they are answered): phones
 * behind one NAT booting together answer theirs, a prober does not.
 */
export const ANSWER_MS = 2000;

export interface BanDoc {
  _id: string; _rev?: string; pvt_type: 'provision_ban'; ip: string; at: number; expires_at: number;
  failures: number; lifted_for: string[];
}

/** One counted refusal; `nonce` when it was a Digest challenge, which a good answer takes back. */
interface Failure { at: number; nonce?: string }
interface IpState { failures: Failure[] }
/** An IP at its limit with challenges still unanswered: the verdict waits for them (see ANSWER_MS). */
interface Hold { done: Promise<void>; release: () => void }

export const banId = (ip: string) => `ban:${ip}`;

export class Bans {
  private counters = new Map<string, IpState>();
  private holds = new Map<string, Hold>();
  private cache: TtlCache<BanDoc | null>;

  constructor(private app: AppContext) {
    this.cache = new TtlCache(app, CACHE_TTL_MS);
  }

  private get limit() { return this.app.config.probeLimit; }

  /** The IP's ban, if one is in force; null otherwise. */
  async current(ip: string): Promise<BanDoc | null> {
    const doc = await this.cache.get(ip, () => getOrNull<BanDoc>(this.app.stateDb, banId(ip)));
    return doc && doc.expires_at > this.app.now() ? doc : null;
  }

  /**
   * Banned for a request for a phone of this account (null: unknown or several accounts)? While the
   * IP's verdict is pending, a request waits for it, unless it answers a challenge (`answering`):
   * an answer is what can clear the IP, and it is refused anyway unless its credentials are good.
   */
  async blocks(ip: string, accountId: string | null, answering = false): Promise<boolean> {
    if (!answering) await this.settled(ip);
    const ban = await this.current(ip);
    return !!ban && !(accountId && ban.lifted_for.includes(accountId));
  }

  private state(ip: string): IpState {
    let st = this.counters.get(ip);
    if (!st) {
      if (this.counters.size > 100_000) this.counters.clear();
      this.counters.set(ip, (st = { failures: [] }));
    }
    return st;
  }

  /**
   * Counts one refused request, whatever it was answered with. `nonce`: it was a Digest
   * challenge; a phone with good credentials answers it within moments and so takes it back
   * (answered()). An unanswered challenge is a guess like any other: holding challenges back until
   * they were known to stay unanswered let a phone's User-Agent guess 200 times faster.
   */
  async failed(ip: string, nonce?: string): Promise<void> {
    // A challenge waits for a pending verdict before it counts: so at most `limit` of them are out
    // unanswered at once, and a burst of phones is let through a round at a time instead of banned.
    if (nonce) await this.settled(ip);
    const st = this.state(ip);
    const now = this.app.now();
    st.failures.push(nonce ? { at: now, nonce } : { at: now });
    await this.enforce(ip, st, now);
  }

  /** A good Digest answer: the challenge before it was no probe. */
  answered(ip: string, nonce: string): void {
    const st = this.counters.get(ip);
    if (!st) return;
    st.failures = st.failures.filter((f) => f.nonce !== nonce);
    if (st.failures.length < this.limit) this.holds.get(ip)?.release();
  }

  /** Until the IP's pending verdict, if any, is reached. */
  private async settled(ip: string): Promise<void> {
    for (let hold = this.holds.get(ip); hold; hold = this.holds.get(ip)) await hold.done;
  }

  private async enforce(ip: string, st: IpState, now: number): Promise<void> {
    st.failures = st.failures.filter((f) => now - f.at < WINDOW_MS);
    if (st.failures.length < this.limit || this.holds.has(ip)) return;
    if (st.failures.some((f) => f.nonce && now - f.at < ANSWER_MS)) {
      // The verdict is on these failures only: challenges let in after the hold are the next round's.
      const these = new Set(st.failures);
      // Created before any await, so requests arriving meanwhile see it.
      await this.hold(ip);
      if (st.failures.filter((f) => these.has(f)).length < this.limit) return;
    }
    if (await this.current(ip).catch(() => null)) return;
    await this.ban(ip, st.failures.length);
    st.failures = [];
  }

  private hold(ip: string): Promise<void> {
    let release = () => {};
    const done = new Promise<void>((r) => { release = r; });
    const timer = setTimeout(release, ANSWER_MS);
    const hold = { done, release };
    this.holds.set(ip, hold);
    return done.then(() => { clearTimeout(timer); if (this.holds.get(ip) === hold) this.holds.delete(ip); });
  }

  private async ban(ip: string, failures: number): Promise<void> {
    const now = this.app.now();
    const doc: BanDoc = { _id: banId(ip), pvt_type: 'provision_ban', ip, at: now, expires_at: now + this.app.config.banMinutes * 60_000,
      failures, lifted_for: [] };
    // Enforced here at once, whether or not CouchDB takes it.
    this.cache.set(ip, doc);
    try {
      const old = await getOrNull<BanDoc>(this.app.stateDb, banId(ip));
      await this.app.stateDb.insert(old ? { ...doc, _rev: old._rev } : doc);
    } catch (err) {
      if (statusOf(err) !== 409) this.app.log.error({ err: (err as Error).message, ip }, 'ban not stored in CouchDB; enforced by this instance only');
    }
    this.app.metrics.bans.inc();
    this.app.log.warn({ ip, failures, minutes: this.app.config.banMinutes }, `provision-ban ip=${ip} failures=${failures} minutes=${this.app.config.banMinutes}`);
  }

  /** Lifts the ban for one account's phones, or (accountId null: super-admin) entirely. */
  async lift(ip: string, accountId: string | null): Promise<boolean> {
    this.counters.delete(ip);
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await getOrNull<BanDoc>(this.app.stateDb, banId(ip));
      if (!doc) { this.cache.drop(ip); return false; }
      try {
        if (!accountId) await this.app.stateDb.destroy(doc._id, doc._rev!);
        else if (!doc.lifted_for.includes(accountId)) await this.app.stateDb.insert({ ...doc, lifted_for: [...doc.lifted_for, accountId] });
      } catch (err) {
        if (statusOf(err) === 409) continue;
        throw err;
      }
      this.cache.drop(ip);
      return true;
    }
    return false;
  }

  changed(ip: string): void {
    this.cache.drop(ip);
  }

  /** Every ban in one range read: then an IP without one costs no read (see TtlCache.prime). */
  preload(): Promise<number> {
    return this.cache.prime<BanDoc>('ban:', (d) => d.ip, (d) => d);
  }
}

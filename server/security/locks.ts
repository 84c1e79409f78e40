// First contact, IP locks and provisioning windows.
// - A device's first good fetch records its source IP (doc `lock:<accountId>:<mac>`). With the
//   account's first_contact_lock on, its files are then served to that IP only, until an admin
//   unlocks it (the next good fetch pins again) or opens a window for the phone's new IP.
// - A window (doc `window:<accountId>:<ip>`, 1–168 h) lets phones of the account fetch from that IP
//   as if it were their first contact: a moved phone re-pins there, a reset phone gets new files.
// - An unlock is remembered (doc `unlock:<accountId>:<mac>`, a week) for the account option that
//   accepts a first contact only shortly after the device was created or unlocked.
import { isIP } from 'node:net';
import type { AppContext } from '../context.js';
import { getOrNull, putOver, removeCurrent, statusOf } from '../couch/client.js';
import { FIRST_CONTACT_MAX_MINUTES } from './settings.js';
import { CACHE_TTL_MS, TtlCache } from './ttl-cache.js';

export interface LockDoc {
  _id: string; _rev?: string; pvt_type: 'provision_lock'; account_id: string; mac: string;
  /** The source IP of the last first contact. */
  ip: string;
  /** When it was pinned to `ip`. */
  at: number;
  /** When that first contact happened (credentials may be missing for a grace period after it). */
  first_at: number;
}

export interface WindowDoc { _id: string; _rev?: string; pvt_type: 'provision_window'; account_id: string; ip: string; at: number; expires_at: number }

export const lockId = (accountId: string, mac: string) => `lock:${accountId}:${mac}`;
export const windowId = (accountId: string, ip: string) => `window:${accountId}:${ip}`;
export const unlockId = (accountId: string, mac: string) => `unlock:${accountId}:${mac}`;

interface UnlockDoc { _id: string; _rev?: string; pvt_type: 'provision_unlock'; account_id: string; mac: string; at: number; expires_at: number }

/**
 * The window that is not for one IP: while open, a phone of the account that has never fetched may
 * do so once without the account's `pass=` (phones the original project served without one). Keyed
 * like an IP window under a name no IP can have, so no IP window ever opens it.
 */
export const FIRST_CONTACT_WINDOW = 'first-contact';

/** An IP as we key it: v4-mapped v6 as plain v4, v6 lowercase; null when not an IP. */
export function normalizeIp(input: string): string | null {
  const ip = input.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return isIP(ip) ? ip.toLowerCase() : null;
}

export class Locks {
  private cache: TtlCache<LockDoc | null>;
  constructor(private app: AppContext) {
    this.cache = new TtlCache(app, CACHE_TTL_MS);
  }

  async get(accountId: string, mac: string): Promise<LockDoc | null> {
    const id = lockId(accountId, mac);
    return this.cache.get(id, () => getOrNull<LockDoc>(this.app.stateDb, id));
  }

  changed(id: string, rev?: string): void {
    this.cache.drop(id, rev);
  }

  /** Every lock in one range read (see TtlCache.prime). */
  preload(): Promise<number> {
    return this.cache.prime<LockDoc>('lock:', (d) => d._id, (d) => d);
  }

  /**
   * Pins the device to `ip` as a (new) first contact. False when another request pinned it to a
   * different IP in the meantime (two first contacts at once: the first one wins).
   */
  async pin(accountId: string, mac: string, ip: string, current: LockDoc | null): Promise<boolean> {
    const now = this.app.now();
    const doc: LockDoc = { _id: lockId(accountId, mac), pvt_type: 'provision_lock', account_id: accountId, mac, ip, at: now, first_at: now,
      ...(current?._rev ? { _rev: current._rev } : {}) };
    this.cache.drop(doc._id);
    try {
      doc._rev = (await this.app.stateDb.insert(doc)).rev;
      this.cache.set(doc._id, doc);
      return true;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const winner = await this.get(accountId, mac);
      return winner?.ip === ip;
    }
  }

  /** Removes the lock; the device's next good fetch is a first contact again. */
  async unlock(accountId: string, mac: string): Promise<boolean> {
    const now = this.app.now();
    await putOver<UnlockDoc>(this.app.stateDb, { _id: unlockId(accountId, mac), pvt_type: 'provision_unlock', account_id: accountId, mac,
      at: now, expires_at: now + FIRST_CONTACT_MAX_MINUTES * 60_000 });
    this.cache.drop(lockId(accountId, mac));
    const removed = await removeCurrent(this.app.stateDb, lockId(accountId, mac));
    this.cache.drop(lockId(accountId, mac));
    return removed;
  }

  /** When the device was last unlocked (0: not within the last week). */
  async unlockedAt(accountId: string, mac: string): Promise<number> {
    return (await getOrNull<UnlockDoc>(this.app.stateDb, unlockId(accountId, mac)))?.at ?? 0;
  }

  async windowOpen(accountId: string, ip: string): Promise<boolean> {
    const doc = await getOrNull<WindowDoc>(this.app.stateDb, windowId(accountId, ip));
    return !!doc && doc.expires_at > this.app.now();
  }

  async openWindow(accountId: string, ip: string, hours: number): Promise<WindowDoc> {
    const now = this.app.now();
    const doc: WindowDoc = { _id: windowId(accountId, ip), pvt_type: 'provision_window', account_id: accountId, ip, at: now,
      expires_at: now + hours * 3_600_000 };
    await putOver(this.app.stateDb, doc);
    return doc;
  }

  async closeWindow(accountId: string, ip: string): Promise<boolean> {
    // Closed and reopened at the same moment by two admins: the window is closed after this either way.
    return removeCurrent(this.app.stateDb, windowId(accountId, ip));
  }

  async windows(accountId: string): Promise<WindowDoc[]> {
    const res = await this.app.stateDb.list({ startkey: `window:${accountId}:`, endkey: `window:${accountId}:\ufff0`, include_docs: true });
    const now = this.app.now();
    return res.rows.map((r) => r.doc as WindowDoc).filter((d) => d && d.expires_at > now);
  }
}

/** For the device list (`lock: {ip, at} | null`): the lock in force for a device, if any. */
export async function lockOf(app: AppContext, accountId: string, mac: string): Promise<{ ip: string; at: number } | null> {
  const doc = await getOrNull<LockDoc>(app.stateDb, lockId(accountId, mac));
  return doc ? { ip: doc.ip, at: doc.at } : null;
}

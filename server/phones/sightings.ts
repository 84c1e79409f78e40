// When each MAC last fetched which file, from where, with what User-Agent — for the admin screens and
// for adopting unknown MACs. Throttled: at most one CouchDB write per MAC per minute.
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';

export interface Sighting { at: number; ip: string; file: string; ua: string; status: number }
const THROTTLE_MS = 60_000;

export class Sightings {
  private lastWrite = new Map<string, number>();
  constructor(private app: AppContext) {}

  /** Known device (accountId set) or unknown MAC (accountId null). Never awaited on the phone's path. */
  record(mac: string, accountId: string | null, s: Sighting): void {
    const id = accountId ? `seen:${mac}` : `unknown:${mac}`;
    const now = this.app.now();
    if (now - (this.lastWrite.get(id) || 0) < THROTTLE_MS) return;
    this.lastWrite.set(id, now);
    if (this.lastWrite.size > 200_000) this.lastWrite.clear();
    void this.write(id, mac, accountId, s).catch((err) => {
      if (statusOf(err) !== 409) this.app.log.debug({ err: (err as Error).message }, 'sighting not recorded');
    });
  }

  private async write(id: string, mac: string, accountId: string | null, s: Sighting): Promise<void> {
    const db = this.app.stateDb;
    const cur = await getOrNull<any>(db, id);
    const doc = { _id: id, pvt_type: accountId ? 'device_seen' : 'unknown_mac', mac, ...(accountId ? { account_id: accountId } : {}),
      last: s, count: (cur?.count || 0) + 1, first_at: cur?.first_at || s.at };
    await db.insert(cur ? { ...doc, _rev: cur._rev } : doc);
  }

  async get(mac: string): Promise<{ last: Sighting; count: number } | null> {
    return getOrNull<any>(this.app.stateDb, `seen:${mac}`);
  }
}

// Removes expired bans, windows, remembered unlocks, unknown-MAC sightings, audit events and kept file bodies (view
// state/provision_expiring, keyed by expiry), once a minute, so the state database does not keep what
// strangers left in it (and the nonce documents of versions before nonces were signed).
import type { AppContext } from '../context.js';

const EVERY_MS = 60_000;
const PAGE = 500;

export class Sweeper {
  private timer: NodeJS.Timeout;
  constructor(private app: AppContext) {
    this.timer = setInterval(() => void this.sweep().catch((err) =>
      app.log.debug({ err: (err as Error).message }, 'expired security docs not swept; next round retries')), EVERY_MS);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    const db = this.app.stateDb;
    const res = await db.view('state', 'provision_expiring', { endkey: this.app.now(), limit: PAGE });
    const docs = (res.rows as Array<{ id: string; value: string }>).map((r) => ({ _id: r.id, _rev: r.value, _deleted: true }));
    if (!docs.length) return 0;
    const out = await db.bulk({ docs });
    return out.filter((r) => !r.error).length;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

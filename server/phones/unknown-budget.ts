// How many unknown MACs the state database may hold. Anyone can make up MACs (and, with IPv6, source
// addresses), so the documents they leave must be bounded: one per MAC (sightings.ts adds up
// repeats), each expiring a day after its last sighting (the sweeper removes it), and at most
// MAX_UNKNOWN in all. Past that, a new unknown MAC is not recorded until some expire; the phone is
// refused as before, only the adopt list misses it. The count is read from CouchDB once a minute
// (every instance's documents, those expired but not yet swept included) and kept up here between
// reads, so N instances overshoot by at most what they write in that minute.
import type { AppContext } from '../context.js';

export const MAX_UNKNOWN = 2000;
export const UNKNOWN_TTL_MS = 24 * 3_600_000;
const RECOUNT_MS = 60_000;

export class UnknownBudget {
  private stored = 0;
  private countedAt = -Infinity;
  private counting: Promise<void> | null = null;
  private warnedAt = -Infinity;
  constructor(private app: AppContext) {}

  /** Whether the list is full as far as known now (no CouchDB read: for the phone's path). */
  full(): boolean {
    return this.stored >= MAX_UNKNOWN;
  }

  /** Brings the count up to date when a minute old; a failed read keeps the last count. */
  async recount(): Promise<void> {
    if (this.app.now() - this.countedAt < RECOUNT_MS) return;
    this.counting ??= this.app.bulk.stateDb.view('state', 'by_type', { key: 'unknown_mac', reduce: true })
      .then((res) => { this.stored = Number((res.rows[0] as { value?: number } | undefined)?.value) || 0; this.countedAt = this.app.now(); })
      .catch((err) => this.app.log.debug({ err: (err as Error).message }, 'unknown MACs not counted; the last count holds'))
      .finally(() => { this.counting = null; });
    await this.counting;
  }

  /** Takes room for `wanted` new documents; answers how many may be written. */
  take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, MAX_UNKNOWN - this.stored));
    this.stored += granted;
    if (granted < wanted && this.app.now() - this.warnedAt >= RECOUNT_MS) {
      this.warnedAt = this.app.now();
      this.app.log.warn({ max: MAX_UNKNOWN, dropped: wanted - granted },
        `unknown-MAC list full (${MAX_UNKNOWN}); new unknown MACs are not recorded until older ones expire (a day after their last request)`);
    }
    return granted;
  }
}

// Bookkeeping written off the phone's path (sightings, fetch history): entries queue by key, and a
// flush a second writes at most `max` of them in one batch. After a restart every phone of a boot
// storm brings a new entry; writing them as they came kept the embedded CouchDB busy with our own
// records while it was to serve the storm (BENCHMARKS.md). The queue holds one entry per key, so it is
// bounded by what the keys are bounded by.
export class WriteQueue<V> {
  private queue = new Map<string, V>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  /** `write` keeps what did not get through (put it back, or forget it): the queue does not retry by itself. */
  constructor(private write: (batch: Map<string, V>) => Promise<void>, private opts: { everyMs: number; max: number }) {}

  get size(): number {
    return this.queue.size;
  }

  get(key: string): V | undefined {
    return this.queue.get(key);
  }

  has(key: string): boolean {
    return this.queue.has(key);
  }

  /** Queues (or replaces) the entry of `key`; the next flush is due within `everyMs`. */
  set(key: string, value: V): void {
    this.queue.set(key, value);
    this.timer ??= setTimeout(() => { this.timer = null; void this.flushSome(); }, this.opts.everyMs);
    this.timer.unref?.();
  }

  /** Writes up to `max` entries, the oldest first; the rest wait for the next flush. */
  private async flushSome(): Promise<void> {
    await this.flushing;
    if (!this.queue.size) return;
    let batch = this.queue;
    this.queue = new Map();
    if (batch.size > this.opts.max) {
      const all = [...batch];
      batch = new Map(all.slice(0, this.opts.max));
      for (const [k, v] of all.slice(this.opts.max)) this.set(k, v);
    }
    this.flushing = this.write(batch).finally(() => { this.flushing = null; });
    await this.flushing;
  }

  /** Writes everything queued (shutdown, tests), `max` at a time, while they get through (not while CouchDB is gone). */
  async flush(): Promise<void> {
    for (let left = Infinity; this.queue.size && this.queue.size < left;) {
      left = this.queue.size;
      await this.flushSome();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    await this.flush().catch(() => {});
  }
}

// "Resync now": tells phones, through Kazoo's crossbar (`POST /v2/accounts/{A}/devices/{D}/sync`,
// which sends the SIP check-sync NOTIFY), to fetch their file again. One job per account, stored in
// the state database as `resync:<accountId>`, so every instance sees it. Each phone is claimed in
// that document (revision-checked) before its request is sent: a second instance or a restart never
// sends twice (at most once; a claim whose send was cut short shows as "unknown").
// The operator's Kazoo token is never stored: it lives in the memory of the instance running the
// job. A job whose runner is gone (restart, token expired) is "paused" until an operator resumes it.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { crossbar } from '../kazoo/crossbar.js';

export const LEASE_MS = 2 * 60_000;
const WINDOW_MS = 60_000;

export interface ResyncItem { device_id: string; name?: string; mac: string | null; brand: string | null;
  sent_at?: number; result?: 'sent' | 'failed'; message?: string }
export interface ResyncJob {
  _id: string; _rev?: string; pvt_type: 'resync_job'; job_id: string; account_id: string;
  scope: { kind: 'device' | 'model' | 'account'; device_id?: string; model?: string };
  created_at: number; created_by: string | null; per_minute: number;
  state: 'running' | 'done' | 'cancelled' | 'paused'; runner: string | null; lease_until: number; note?: string; items: ResyncItem[];
}

export const jobId = (accountId: string) => `resync:${accountId}`;

/** What the stored job means now: a running job whose lease ran out has no runner left. */
export function effectiveState(job: ResyncJob, now: number): ResyncJob['state'] {
  return job.state === 'running' && job.lease_until < now ? 'paused' : job.state;
}

/** Phones told within the last minute, and when the next may be told. */
export function nextSendAt(job: ResyncJob, now: number): number {
  const recent = job.items.map((i) => i.sent_at).filter((t): t is number => !!t && t > now - WINDOW_MS).sort((a, b) => a - b);
  const spacing = WINDOW_MS / job.per_minute;
  const last = recent[recent.length - 1];
  let at = last ? last + spacing : now;
  // Never more than per_minute in any minute, even after a pause or a change of the setting.
  if (recent.length >= job.per_minute) at = Math.max(at, recent[recent.length - job.per_minute] + WINDOW_MS);
  return Math.max(at, now);
}

export class ResyncRunner {
  readonly instance = randomBytes(8).toString('hex');
  /** accountId → the running loop's token and timer, on this instance only. */
  private running = new Map<string, { token: string; timer: NodeJS.Timeout | null }>();
  private stopped = false;

  constructor(private app: AppContext, private apiUrl: () => string | null) {}

  private get db() { return this.app.stateDb as unknown as import('nano').DocumentScope<ResyncJob>; }

  async load(accountId: string): Promise<ResyncJob | null> {
    return getOrNull<ResyncJob>(this.db, jobId(accountId));
  }

  /** Writes the job if nobody changed it since it was read; false when someone did. */
  private async save(job: ResyncJob): Promise<boolean> {
    try {
      const res = await this.db.insert(job);
      job._rev = res.rev;
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  /** Stores a new job (replacing a finished one) and starts it here; false when one is running. */
  async start(job: Omit<ResyncJob, '_id' | '_rev' | 'runner' | 'lease_until' | 'state'>, token: string): Promise<boolean> {
    const current = await this.load(job.account_id);
    if (current && effectiveState(current, this.app.now()) === 'running') return false;
    const doc: ResyncJob = { ...job, _id: jobId(job.account_id), ...(current ? { _rev: current._rev } : {}),
      state: 'running', runner: this.instance, lease_until: this.app.now() + LEASE_MS };
    if (!(await this.save(doc))) return false;
    this.run(job.account_id, token);
    return true;
  }

  /** Takes over a paused job with a (new) token; false when another runner holds it. */
  async resume(accountId: string, token: string): Promise<ResyncJob | null | false> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const job = await this.load(accountId);
      if (!job) return null;
      const state = effectiveState(job, this.app.now());
      const mine = this.running.get(accountId);
      // Running here already: it goes on with the newer token, nothing to write.
      if (state === 'running' && job.runner === this.instance && mine) { mine.token = token; return job; }
      if (state === 'running' && job.runner !== this.instance) return false;
      if (state === 'done' || state === 'cancelled') return job;
      Object.assign(job, { state: 'running', runner: this.instance, lease_until: this.app.now() + LEASE_MS, note: undefined });
      if (await this.save(job)) { this.run(accountId, token); return job; }
    }
    return false;
  }

  async cancel(accountId: string): Promise<ResyncJob | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const job = await this.load(accountId);
      if (!job) return null;
      if (job.state === 'done' || job.state === 'cancelled') return job;
      job.state = 'cancelled';
      job.runner = null;
      if (await this.save(job)) { this.halt(accountId); return job; }
    }
    throw new Error('the resync job keeps changing; try again');
  }

  private halt(accountId: string): void {
    const r = this.running.get(accountId);
    if (r?.timer) clearTimeout(r.timer);
    this.running.delete(accountId);
  }

  private run(accountId: string, token: string): void {
    this.halt(accountId);
    const entry = { token, timer: null as NodeJS.Timeout | null };
    this.running.set(accountId, entry);
    const schedule = (ms: number) => {
      if (this.stopped || this.running.get(accountId) !== entry) return;
      entry.timer = setTimeout(() => void step(), ms);
      entry.timer.unref?.();
    };
    const step = async () => {
      try { schedule(await this.step(accountId, entry.token)); } catch (err) {
        this.app.log.warn({ account_id: accountId, err: (err as Error).message }, 'resync step failed; retrying');
        schedule(5000);
      }
    };
    schedule(0);
  }

  /** One phone at most; returns how long to wait before the next step, or stops the loop. */
  private async step(accountId: string, token: string): Promise<number> {
    const job = await this.load(accountId);
    const now = this.app.now();
    if (!job || job.state !== 'running' || job.runner !== this.instance) { this.halt(accountId); return 0; }
    const item = job.items.find((i) => !i.sent_at);
    if (!item) {
      job.state = 'done';
      job.runner = null;
      if (await this.save(job)) this.halt(accountId);
      return 0;
    }
    const at = nextSendAt(job, now);
    if (at > now) {
      // Waiting for the throttle: keep the lease alive so no other runner thinks we are gone.
      if (job.lease_until - now < LEASE_MS / 2) { job.lease_until = now + LEASE_MS; await this.save(job); }
      return Math.min(at - now, LEASE_MS / 4);
    }
    item.sent_at = now;
    job.lease_until = now + LEASE_MS;
    if (!(await this.save(job))) return 0;
    const apiUrl = this.apiUrl();
    let result: { status: number; message?: string };
    try {
      result = apiUrl ? await crossbar(apiUrl, token, 'POST', `accounts/${accountId}/devices/${item.device_id}/sync`)
        : { status: 503, message: 'KAZOO_API_URL is not set' };
    } catch (err) {
      result = { status: 503, message: (err as Error).message };
    }
    let paused = false;
    if (result.status === 401) {
      paused = true;
      // Kazoo no longer takes the token: give the phone back and wait for an operator to resume.
      delete item.sent_at;
      Object.assign(job, { state: 'paused', runner: null, note: 'your Kazoo token expired while the resync ran; resume it to go on' });
    } else if (result.status >= 200 && result.status < 300) {
      item.result = 'sent';
    } else {
      item.result = 'failed';
      item.message = `Kazoo answered ${result.status}${result.message ? ` (${result.message})` : ''}`;
    }
    // Our own revision: only a cancel can have come between; then it stays cancelled.
    if (!(await this.save(job))) {
      const again = await this.load(accountId);
      const mine = again?.items.find((i) => i.device_id === item.device_id);
      if (again && mine && mine.sent_at === item.sent_at) { Object.assign(mine, { result: item.result, message: item.message }); await this.save(again); }
    }
    if (paused) this.halt(accountId);
    return 0;
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.running.keys()]) this.halt(id);
  }
}

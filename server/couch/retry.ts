// Start-up against a CouchDB that is slow, still starting, or briefly gone (a power cut restarts us
// while CouchDB is at its busiest): each step that reads or writes CouchDB is run again until it
// succeeds, with a warning in the log every time, rather than the process dying on the first timeout.
import type { Logger } from '../log.js';
import { isConnectionError } from './errors.js';

/** How long start-up keeps trying before it gives up (and a supervisor restarts the process). */
export const START_WAIT_MS = 10 * 60_000;

export interface RetryOptions { log: Logger; couchdb: string; maxWaitMs?: number; firstDelayMs?: number }

/**
 * Runs `fn` until it succeeds. Only connection problems, timeouts and 5xx answers are retried: a bad
 * seed or a refused login will not get better by waiting.
 */
export async function retryStartStep<T>(step: string, fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const started = Date.now();
  let delay = o.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await fn();
      if (attempt > 1) o.log.warn({ step, attempts: attempt, waited_ms: Date.now() - started }, `start-up step "${step}" done after ${attempt} attempts`);
      return out;
    } catch (err) {
      const e = err as { statusCode?: number; message: string };
      const transient = (e.statusCode ?? 0) >= 500 || (!e.statusCode && isConnectionError(err));
      if (!transient || Date.now() - started > (o.maxWaitMs ?? START_WAIT_MS)) throw err;
      o.log.warn({ step, attempt, retry_in_ms: delay, couchdb: o.couchdb, err: e.message },
        `start-up step "${step}": CouchDB slow or not reachable; retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }
}

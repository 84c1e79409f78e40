// Request id, one access-log line per request (path only: query strings can carry passwords), and
// the error-to-response mapping. The Koa middleware and the phones' own node:http path
// (server/phones/phone-http.ts) share them.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log.js';
import { HttpError } from './errors.js';
import { surfaceOf, type Metrics } from '../metrics.js';

function isApi(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

export const newRequestId = () => randomUUID().replace(/-/g, '');

/** What a thrown error answers, logged once under the request's id. */
export interface Failure { status: number; code: string; message: string; data: unknown; retryAfter: boolean }

/** `unavailable` tells a database that does not answer (503, try again) from a fault (500). */
export function failureOf(err: unknown, log: Logger, path: string, requestId: string, unavailable: (err: unknown) => boolean): Failure {
  const known = err instanceof HttpError;
  // CouchDB down or slower than its timeout: the caller may try again; nothing here is broken.
  const down = !known && unavailable(err);
  if (down) log.error({ err: (err as Error).message, path, request_id: requestId }, 'CouchDB unavailable');
  else if (!known) log.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, path, request_id: requestId }, 'unhandled error');
  return {
    status: known ? err.status : down ? 503 : 500,
    code: known ? err.code : down ? 'couchdb_unavailable' : 'internal_error',
    message: known ? err.message : down ? 'the database is not answering right now; try again shortly'
      : 'internal server error; the log has details under this request_id',
    data: known ? err.data : {},
    retryAfter: down,
  };
}

/** A failure as phones and other plain-text clients read it. */
export const failureText = (f: Failure) => (f.status === 404 ? 'Not Found\n' : `${f.message}\n`);

/** The access-log line and the request metrics, once the answer is sent. */
export function logRequest(log: Logger, metrics: Metrics | undefined,
  r: { requestId: string; method: string; path: string; status: number; started: bigint; ip: string; ua: string }): void {
  const ms = Number(process.hrtime.bigint() - r.started) / 1e6;
  if (metrics) {
    const surface = surfaceOf(r.path);
    metrics.httpRequests.inc({ surface, status: String(r.status) });
    metrics.httpDuration.observe({ surface }, ms / 1000);
  }
  log.info({ request_id: r.requestId, method: r.method, path: r.path, status: r.status, ms: Math.round(ms * 10) / 10,
    ip: r.ip, ua: r.ua || undefined }, 'request');
}

export function requestLog(log: Logger, metrics?: Metrics, unavailable: (err: unknown) => boolean = () => false): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = newRequestId();
    ctx.state.requestId = requestId;
    try {
      await next();
    } catch (err) {
      const f = failureOf(err, log, ctx.path, requestId, unavailable);
      if (f.retryAfter) ctx.set('Retry-After', '5');
      ctx.status = f.status;
      if (isApi(ctx.path) || ctx.path === '/healthz') {
        ctx.body = { status: 'error', error: f.code, message: f.message, data: f.data, request_id: requestId };
      } else if (ctx.path.startsWith('/sessiontalk') || ctx.path.startsWith('/app/sessiontalk')) {
        ctx.body = { update: false, errmsg: f.message };
      } else {
        ctx.type = 'text/plain';
        ctx.body = failureText(f);
      }
    } finally {
      logRequest(log, metrics, { requestId, method: ctx.method, path: ctx.path, status: ctx.status, started,
        ip: ctx.state.clientIp || ctx.ip, ua: ctx.get('user-agent') });
    }
  };
}

// Request id, one access-log line per request (path only: query strings can carry passwords), and
// the error-to-response mapping.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log.js';
import { HttpError } from './errors.js';
import { surfaceOf, type Metrics } from '../metrics.js';

function isApi(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/** `unavailable` tells a database that does not answer (503, try again) from a fault (500). */
export function requestLog(log: Logger, metrics?: Metrics, unavailable: (err: unknown) => boolean = () => false): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = randomUUID().replace(/-/g, '');
    ctx.state.requestId = requestId;
    try {
      await next();
    } catch (err) {
      const known = err instanceof HttpError;
      // CouchDB down or slower than its timeout: the caller may try again; nothing here is broken.
      const down = !known && unavailable(err);
      const status = known ? err.status : down ? 503 : 500;
      if (down) log.error({ err: (err as Error).message, path: ctx.path, request_id: requestId }, 'CouchDB unavailable');
      else if (!known) log.error({ err: { message: (err as Error).message, stack: (err as Error).stack }, path: ctx.path, request_id: requestId }, 'unhandled error');
      const code = known ? err.code : down ? 'couchdb_unavailable' : 'internal_error';
      const message = known ? err.message : down ? 'the database is not answering right now; try again shortly'
        : 'internal server error; the log has details under this request_id';
      if (down) ctx.set('Retry-After', '5');
      ctx.status = status;
      if (isApi(ctx.path) || ctx.path === '/healthz') {
        ctx.body = { status: 'error', error: code, message, data: known ? err.data : {}, request_id: requestId };
      } else if (ctx.path.startsWith('/sessiontalk') || ctx.path.startsWith('/app/sessiontalk')) {
        ctx.body = { update: false, errmsg: message };
      } else {
        ctx.type = 'text/plain';
        ctx.body = status === 404 ? 'Not Found\n' : `${message}\n`;
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (metrics) {
        const surface = surfaceOf(ctx.path);
        metrics.httpRequests.inc({ surface, status: String(ctx.status) });
        metrics.httpDuration.observe({ surface }, ms / 1000);
      }
      log.info({ request_id: requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10,
        ip: ctx.state.clientIp || ctx.ip, ua: ctx.get('user-agent') || undefined }, 'request');
    }
  };
}

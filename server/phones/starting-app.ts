// What answers while the services start (CouchDB slow or gone after a power cut): phone files from
// the last-good copies to the requests that were served them (server/phones/last-good.ts), and 503
// with Retry-After for everything else, /healthz included, so a load balancer waits and a phone
// retries soon instead of meeting a refused connection.
import Koa from 'koa';
import type { AppContext } from '../context.js';
import { clientIp, trustedList } from '../http/client-ip.js';
import { HttpError } from '../http/errors.js';
import { publicPathPrefix } from '../http/path-prefix.js';
import { requestLog } from '../http/request-log.js';
import { certFingerprintOf, type LastGood } from './last-good.js';
import { sendFile } from './send-file.js';

const RETRY_AFTER_S = '10';

const decoded = (s: string): string | null => {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
};

export function startingApp(app: AppContext, lastGood: LastGood): Koa {
  const koa = new Koa({ proxy: false });
  koa.on('error', (err: Error) => { app.log.warn({ err: err.message }, 'connection error'); });
  const trusted = trustedList(app.config.trustedProxies);
  koa.use(publicPathPrefix(app.config.publicUrl));
  koa.use(requestLog(app.log, app.metrics));
  koa.use(async (ctx) => {
    const m = ctx.method === 'GET' ? /^\/prov\/([^/]+)\/([^/]+)$/.exec(ctx.path) : null;
    const brand = m && decoded(m[1]);
    const file = m && decoded(m[2]);
    if (brand && file) {
      const copy = lastGood.find(brand, file, {
        ip: clientIp(ctx.request.socket.remoteAddress, ctx.get('x-forwarded-for'), trusted),
        pass: typeof ctx.query.pass === 'string' ? ctx.query.pass : null,
        authorization: ctx.get('authorization'), certFingerprint: certFingerprintOf(ctx.req.socket),
      });
      if (copy) {
        sendFile(ctx, copy.rendered, 'last-good copy served while the server starts');
        return;
      }
    }
    // The access log's error mapping answers in each surface's own shape (JSON for /api and /healthz,
    // SessionTalk's {update, errmsg}, text for phones).
    ctx.set('Retry-After', RETRY_AFTER_S);
    ctx.set('Cache-Control', 'no-store');
    throw new HttpError(503, 'starting', 'kazoo-provision is starting (waiting for CouchDB); try again shortly');
  });
  return koa;
}

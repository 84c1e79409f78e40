// GET /healthz: is CouchDB answering? 503 while it is not, so a load balancer can drain us.
import Router from '@koa/router';
import type { AppContext } from './context.js';

export function healthRouter(app: AppContext): Router {
  const router = new Router();
  let last: { at: number; up: boolean } = { at: 0, up: false };
  router.get('/healthz', async (ctx) => {
    // At most one probe per second, however often load balancers ask.
    if (Date.now() - last.at > 1000) {
      let up = false;
      const t0 = performance.now();
      try {
        await app.couch.server.info();
        up = true;
      } catch {
        up = false;
      }
      app.metrics.couchProbe.set(up ? (performance.now() - t0) / 1000 : -1);
      last = { at: Date.now(), up };
    }
    ctx.status = last.up ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: last.up ? 'ok' : 'degraded', couchdb: last.up ? 'up' : 'down', version: app.version };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = app.metrics.registry.contentType;
    ctx.body = await app.metrics.registry.metrics();
  });
  return router;
}

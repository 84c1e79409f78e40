// The Koa application: a few cross-cutting middlewares, then one router per surface.
import Koa from 'koa';
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Services } from './services.js';
import { cors } from './http/cors.js';
import { requestLog } from './http/request-log.js';
import { isConnectionError } from './couch/errors.js';
import { publicPathPrefix } from './http/path-prefix.js';
import { healthRouter } from './health.js';
import { catalogRouter } from './api/catalog-routes.js';
import { badRequest, HttpError } from './http/errors.js';
import { clientIp, trustedList } from './http/client-ip.js';
import { requireAuth } from './api/auth.js';
import { kazooTokenVerifier } from './api/kazoo-auth.js';
import { kazooRouter } from './api/kazoo-routes.js';
import { sessiontalkRouters } from './sessiontalk/routes.js';
import { securityRouter } from './security/routes.js';
import { monsterAppRouter } from './api/monster-app-routes.js';
import { deviceRouter } from './api/device-routes.js';
import { bulkRouter } from './api/bulk-routes.js';
import { resyncRouter } from './api/resync-routes.js';
import { catalogAdminRouter } from './api/catalog-admin-routes.js';
import { adminRouter } from './api/admin-routes.js';
import { auditRouter } from './audit/routes.js';
import { settingsRouter } from './api/settings-routes.js';
import { firmwareRouter } from './api/firmware-routes.js';
import { firmwareDownloadRouter } from './phones/firmware-download.js';
import { phonebookRouter } from './api/phonebook-routes.js';

export function createApp(s: Services): Koa {
  const app = s.app;
  const koa = new Koa({ proxy: false });
  // What reaches Koa past the error middleware is a connection's trouble (a client gone, a body left
  // unread on a reused socket): one log line, never Koa's default stack trace on stderr.
  koa.on('error', (err: Error) => { app.log.warn({ err: err.message }, 'connection error'); });
  const trusted = trustedList(app.config.trustedProxies);
  koa.use(async (ctx, next) => {
    // X-Forwarded-For counts only when the socket is a configured trusted proxy.
    ctx.state.clientIp = clientIp(ctx.request.socket.remoteAddress, ctx.get('x-forwarded-for'), trusted);
    await next();
  });
  // Before everything that looks at the path (CORS for Monster UI at PUBLIC_URL/api/, the routers).
  koa.use(publicPathPrefix(app.config.publicUrl));
  koa.use(requestLog(app.log, app.metrics, isConnectionError));
  koa.use(cors(['/api', '/monster-app']));
  // Monster UI sends JSON bodies on DELETE too.
  koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '2mb', parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    onError: (err) => {
      if ((err as { status?: number }).status === 413) throw new HttpError(413, 'too_large', 'the request body is larger than 2 MB');
      throw badRequest('the request body is not valid JSON');
    } }));
  koa.use(async (ctx, next) => {
    // Monster UI's monster.request adds data.ui_metadata to every body it sends: never a field of ours.
    const data = (ctx.request.body as { data?: unknown } | undefined)?.data;
    if (data && typeof data === 'object' && !Array.isArray(data)) delete (data as Record<string, unknown>).ui_metadata;
    await next();
  });
  for (const router of routers(s)) koa.use(router.routes()).use(router.allowedMethods());
  koa.use(monsterAppRouter().routes());
  return koa;
}

/**
 * Every router of the HTTP surfaces but the static app's (test/path-ids.test.ts walks their routes).
 * Phones' files are answered before Koa (server/phones/phone-http.ts; its route is PHONE_ROUTE).
 */
export function routers(s: Services): Router[] {
  // Every /api/ route except the public catalog (phones, ui) and CORS preflights needs a token.
  const auth = requireAuth(s, kazooTokenVerifier(s));
  return [healthRouter(s.app), catalogRouter(s), kazooRouter(s, auth), deviceRouter(s, auth), bulkRouter(s, auth), resyncRouter(s, auth),
    catalogAdminRouter(s, auth), adminRouter(s, auth), securityRouter(s, auth), auditRouter(s, auth), settingsRouter(s, auth), firmwareRouter(s, auth), firmwareDownloadRouter(s.app, s.firmware), phonebookRouter(s, auth), ...sessiontalkRouters(s, auth)];
}

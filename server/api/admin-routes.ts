// Operations for the super-admin: rebuild the MAC index while the server runs.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { reconcile } from '../kazoo/reconcile.js';
import type { Services } from '../services.js';
import { forbidden, principalOf } from './auth.js';
import { ok } from './envelope.js';

export function adminRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  router.post('/reconcile', auth, async (ctx) => {
    if (principalOf(ctx).kind !== 'superadmin') throw forbidden('only the PROVISION_ADMIN_TOKEN may rebuild the MAC index');
    const report = await reconcile(s.app, s.kazoo);
    // This instance follows its own writes through the state feed like any other; sweep now as well.
    for (const id of s.kazoo.accountIds()) await s.macIndex.catchUp(id).catch(() => {});
    ok(ctx, report);
  });
  return router;
}

// Operations for the super-admin: rebuild the MAC index while the server runs.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { reconcile, type ReconcileReport } from '../kazoo/reconcile.js';
import type { Services } from '../services.js';
import { forbidden, principalOf } from './auth.js';
import { ok } from './envelope.js';

async function rebuild(s: Services): Promise<ReconcileReport> {
  const report = await reconcile(s.app, s.kazoo);
  // This instance follows its own writes through the state feed like any other; sweep now as well.
  for (const id of s.kazoo.accountIds()) await s.macIndex.catchUp(id).catch(() => {});
  return report;
}

export function adminRouter(s: Services, auth: Middleware): Router {
  let running: Promise<ReconcileReport> | null = null;
  const router = new Router({ prefix: '/api' });
  router.post('/reconcile', auth, async (ctx) => {
    if (principalOf(ctx).kind !== 'superadmin') throw forbidden('only the PROVISION_ADMIN_TOKEN may rebuild the MAC index');
    // Requests that come while a rebuild runs share it: two rebuilds would only race on the same documents.
    running ??= rebuild(s).finally(() => { running = null; });
    ok(ctx, await running);
  });
  return router;
}

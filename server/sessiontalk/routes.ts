// SessionTalk's HTTP surfaces: the management API under /api/accounts/{accountId}/sessiontalk (Kazoo
// envelope; admins for anything in the account, users for the devices they own) and the External
// Provisioning endpoint SessionCloud calls (no auth header, no cookies, no session).
import { actorOf } from '../audit/log.js';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Services } from '../services.js';
import { isAccountAdmin, principalOf, requireAccountAdmin, requireOwnerOrAdmin, forbidden } from '../api/auth.js';
import { ok } from '../api/envelope.js';
import { notFound } from '../http/errors.js';
import { isAccountId } from '../couch/names.js';
import { ProvisionEndpoint } from './endpoint.js';
import { SessiontalkManager, type Caller } from './manage.js';
import { MSG } from './provision.js';

export const PROVISION_PATHS = ['/sessiontalk/provision', '/app/sessiontalk/provision.php'];

export function sessiontalkRouters(s: Services, auth: Middleware): Router[] {
  const store = s.sessiontalk;
  return [provisionRouter(s, new ProvisionEndpoint(s, store)), managementRouter(s, auth, new SessiontalkManager(s, store))];
}

function provisionRouter(s: Services, endpoint: ProvisionEndpoint): Router {
  const router = new Router();
  router.get(PROVISION_PATHS, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    let result;
    try {
      result = await endpoint.handle(ctx.query, ctx.state.clientIp || ctx.ip);
    } catch (err) {
      // CouchDB down or slow: the app keeps the accounts it has (update:false) and tries again later.
      s.app.log.error({ err: (err as Error).message, path: ctx.path, request_id: ctx.state.requestId }, 'sessiontalk provisioning failed');
      result = { status: 503, body: { update: false, errmsg: MSG.unavailable } };
    }
    if ('retryAfter' in result && result.retryAfter) ctx.set('Retry-After', String(result.retryAfter));
    ctx.status = result.status;
    ctx.body = result.body;
  });
  return router;
}

function callerOf(s: Services, ctx: Context, accountId: string): Caller {
  const p = principalOf(ctx);
  const admin = isAccountAdmin(s, p, accountId);
  if (!admin && !(p.kind === 'kazoo' && p.accountId === accountId)) throw forbidden('this token belongs to another account');
  return {
    admin, kind: p.kind, userId: p.userId, who: actorOf(p),
    requireOwner: (ownerId) => { requireOwnerOrAdmin(s, ctx, accountId, ownerId); },
  };
}

function managementRouter(s: Services, auth: Middleware, m: SessiontalkManager): Router {
  const router = new Router({ prefix: '/api/accounts/:accountId/sessiontalk' });
  router.use(auth);
  router.use(async (ctx, next) => {
    const { accountId } = ctx.params;
    // An account created a moment ago in Kazoo may not have reached our copy yet: read it through.
    if (!isAccountId(accountId) || !(await s.kazoo.accountReadThrough(accountId))) throw notFound(`no account ${accountId}`);
    await next();
  });
  const data = (ctx: Context) => ((ctx.request as { body?: { data?: unknown } }).body?.data ?? {}) as Record<string, unknown>;

  router.get('/settings', async (ctx) => {
    requireAccountAdmin(s, ctx, ctx.params.accountId);
    ok(ctx, await m.getSettings(ctx.params.accountId));
  });
  router.put('/settings', async (ctx) => {
    requireAccountAdmin(s, ctx, ctx.params.accountId);
    ok(ctx, await m.putSettings(ctx.params.accountId, (ctx.request as { body?: { data?: unknown } }).body?.data));
  });
  router.post('/codes', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.mint(a, callerOf(s, ctx, a), data(ctx)), 201);
  });
  router.get('/codes', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.listCodes(a, callerOf(s, ctx, a)));
  });
  router.delete('/codes/:codeId', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.revokeCode(a, callerOf(s, ctx, a), ctx.params.codeId));
  });
  router.get('/activations', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.listActivations(a, callerOf(s, ctx, a)));
  });
  router.delete('/activations/:activationId', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.deactivate(a, callerOf(s, ctx, a), ctx.params.activationId));
  });
  for (const method of ['patch', 'post'] as const) {
    router[method]('/activations/:activationId', async (ctx) => {
      const a = ctx.params.accountId;
      ok(ctx, await m.setEnabled(a, callerOf(s, ctx, a), ctx.params.activationId, data(ctx)));
    });
  }
  router.put('/activations/:activationId/devices/:deviceId', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.addDevice(a, callerOf(s, ctx, a), ctx.params.activationId, ctx.params.deviceId));
  });
  router.delete('/activations/:activationId/devices/:deviceId', async (ctx) => {
    const a = ctx.params.accountId;
    ok(ctx, await m.removeDevice(a, callerOf(s, ctx, a), ctx.params.activationId, ctx.params.deviceId));
  });
  return router;
}

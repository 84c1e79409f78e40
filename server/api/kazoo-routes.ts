// The provisioner_v5 API Kazoo crossbar calls (reference/monster-ui-and-kazoo.md §3.3, §5): device
// and account pushes, and the MAC search crossbar asks, synchronously, before it saves a device.
// Thin: the MAC index does the work; these routes check who calls and what they send.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Services } from '../services.js';
import { badRequest, HttpError, notFound } from '../http/errors.js';
import { statusOf } from '../couch/client.js';
import type { Lookup } from '../kazoo/mac-index.js';
import { checkPushedSettings, type PushedDevice } from '../kazoo/pushed.js';
import { purgeAccountState } from '../kazoo/account-purge.js';
import { isAccountAdmin, principalOf } from './auth.js';
import { AccountAccess } from './account-access.js';
import { ok } from './envelope.js';
import { accountParam, macParam } from './params.js';

/**
 * What these routes need from the MAC index (MacIndex). The two optional ones keep Kazoo's pushed
 * data while Kazoo's CouchDB cannot be read from here; without them such a push is a 503.
 */
export interface DeviceIndexPort {
  lookup(mac: string): Lookup;
  catchUp(accountId: string): Promise<void>;
  revive(accountId: string): void;
  forgetAccount(accountId: string): Promise<void>;
  acceptPushed?(accountId: string, mac: string, data: PushedDevice): Promise<void>;
  forgetPushed?(accountId: string, mac: string): Promise<void>;
}

/** Shown instead of an account id the caller may not see: any 200 already tells Kazoo "in use". */
export const HIDDEN_ACCOUNT = 'hidden';

function deviceIndex(s: Services): DeviceIndexPort {
  return s.macIndex;
}

function pushedDevice(body: unknown): PushedDevice {
  const data = (body as { data?: unknown } | undefined)?.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw badRequest('"data" must be an object', { field: 'data' });
  const d = data as Record<string, unknown>;
  for (const key of ['brand', 'family', 'model', 'name'] as const) {
    if (d[key] !== undefined && d[key] !== null && typeof d[key] !== 'string' && typeof d[key] !== 'number') {
      throw badRequest(`"data.${key}" must be a string`, { field: `data.${key}` });
    }
  }
  if (d.settings !== undefined && (typeof d.settings !== 'object' || d.settings === null || Array.isArray(d.settings))) {
    throw badRequest('"data.settings" must be an object', { field: 'data.settings', pointer: '/data/settings' });
  }
  // Checked whether or not Kazoo's database is readable: the same push must not flip between 200 and 400.
  checkPushedSettings(d.settings as Record<string, unknown> | undefined);
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  return { brand: str(d.brand), family: str(d.family), model: str(d.model), name: str(d.name),
    settings: d.settings as Record<string, unknown> | undefined };
}

/** Connection failures and 5xx: Kazoo's CouchDB is not readable from here right now. */
function unreachable(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status >= 500;
}

/**
 * Re-reads the account's database into the index at once (no waiting for the next sweep). When that
 * database cannot be read, `fallback` keeps what Kazoo pushed, if the index offers it.
 */
async function refresh(s: Services, idx: DeviceIndexPort, accountId: string, fallback: (() => Promise<void>) | null): Promise<'kazoo' | 'pushed'> {
  try {
    idx.revive(accountId);
    await idx.catchUp(accountId);
    return 'kazoo';
  } catch (err) {
    s.app.log.warn({ account_id: accountId, err: (err as Error).message }, 'push: cannot read the account database from Kazoo');
    if (fallback && (unreachable(err) || statusOf(err) === 404)) {
      await fallback();
      return 'pushed';
    }
    if (statusOf(err) === 404) {
      throw notFound(`Kazoo's database for account ${accountId} is not on ${s.app.kazooCouch.label}; is KAZOO_COUCHDB_URL the CouchDB Kazoo uses?`);
    }
    throw new HttpError(503, 'kazoo_db_unreachable', `cannot read Kazoo's database for account ${accountId} right now; Kazoo may retry the save`);
  }
}

export function kazooRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  const access = new AccountAccess(s);

  // Crossbar asks this inside a device save: memory only, no CouchDB round trip.
  router.get('/devices/search/:mac', auth, (ctx) => {
    const mac = macParam(ctx);
    const found = deviceIndex(s).lookup(mac);
    if (found.kind === 'none') throw notFound(`no Kazoo device has MAC ${mac}`, { mac_address: mac });
    const accounts = found.kind === 'devices' ? [found.accountId] : found.accounts;
    const p = principalOf(ctx);
    const visible = accounts.find((a) => isAccountAdmin(s, p, a));
    ok(ctx, { mac_address: mac, account_id: visible ?? HIDDEN_ACCOUNT, in_use: true });
  });

  router.post('/devices/:accountId/:mac', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    const mac = macParam(ctx);
    const data = pushedDevice(ctx.request.body);
    await access.requireAdmin(ctx, accountId);
    const idx = deviceIndex(s);
    const source = await refresh(s, idx, accountId, idx.acceptPushed ? () => idx.acceptPushed!(accountId, mac, data) : null);
    // Echo what was pushed except `settings`: they carry SIP passwords, and Kazoo does not read the body.
    ok(ctx, { account_id: accountId, mac_address: mac, brand: data.brand, family: data.family, model: data.model,
      name: data.name, source });
  });

  router.delete('/devices/:accountId/:mac', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    const mac = macParam(ctx);
    await access.requireAdmin(ctx, accountId);
    const idx = deviceIndex(s);
    // Kazoo has removed the device (or its MAC) before it calls: re-reading drops the entry.
    const source = await refresh(s, idx, accountId, idx.forgetPushed ? () => idx.forgetPushed!(accountId, mac) : null);
    ok(ctx, { account_id: accountId, mac_address: mac, source });
  });

  router.post('/accounts/:accountId', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    // Account settings (realm, timezone) are read from Kazoo's account doc; the push only says "now".
    let refreshed = true;
    try {
      deviceIndex(s).revive(accountId);
      await deviceIndex(s).catchUp(accountId);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      refreshed = false;
      s.app.log.warn({ account_id: accountId, err: (err as Error).message }, 'account push: cannot read the account database yet; the next sweep will');
    }
    ok(ctx, { account_id: accountId, refreshed });
  });

  router.delete('/accounts/:accountId', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    const macs = s.macIndex.macsOfAccount(accountId);
    await deviceIndex(s).forgetAccount(accountId);
    for (const mac of macs) s.phoneFiles.forget(mac);
    const removed = await purgeAccountState(s.app, accountId);
    s.app.log.info({ account_id: accountId, removed }, 'account deleted in Kazoo: its provisioning state is removed');
    ok(ctx, { account_id: accountId, removed });
  });

  return router;
}

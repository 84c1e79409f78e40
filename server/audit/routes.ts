// History and audit over the management API (Kazoo envelope): an account's audit trail (paged,
// filtered by object), the super-admin's view of any scope, and a device's fetched file versions with
// "what changed since the phone last fetched". Thin: the work is in log.ts and fetch-history.ts.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AccountAccess } from '../api/account-access.js';
import { forbidden, principalOf } from '../api/auth.js';
import { deviceOfRequest } from '../api/device-routes.js';
import { ok } from '../api/envelope.js';
import { accountParam } from '../api/params.js';
import { isAccountId } from '../couch/names.js';
import { badRequest, notFound } from '../http/errors.js';
import { normalizeMac } from '../kazoo/mac.js';
import { renderPreview, textOf, templateOfDevice } from '../phones/preview.js';
import type { Services } from '../services.js';
import { lineDiff } from './diff.js';
import { fetchesOf, keptBody } from './fetch-history.js';
import { CATALOG_SCOPE, query, type AuditObject } from './log.js';

const OBJECT_TYPE = /^[a-z_]{1,40}$/;

/** ?limit, ?start (the `next` of the previous page) and ?object_type + ?object_id, checked. */
function pageParams(ctx: Context, scope: string): { limit: number; start?: string; object?: AuditObject } {
  const { limit, start, object_type: type, object_id: id } = ctx.query;
  const n = limit === undefined ? 50 : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw badRequest('limit must be an integer from 1 to 200', { field: 'limit' });
  if (start !== undefined && (typeof start !== 'string' || !start.startsWith(`audit:${scope}:`))) {
    throw badRequest('start must be the "next" value of the previous page of this same list', { field: 'start' });
  }
  if ((type === undefined) !== (id === undefined)) throw badRequest('object_type and object_id go together (e.g. object_type=template&object_id=ui/yealink/t4x/t46s)', { field: 'object_type' });
  if (type !== undefined && (typeof type !== 'string' || !OBJECT_TYPE.test(type))) throw badRequest('object_type is a lowercase name such as template, device_lock, device_credentials, sessiontalk_activation', { field: 'object_type' });
  if (id !== undefined && (typeof id !== 'string' || !id || id.length > 200)) throw badRequest('object_id must be one id (at most 200 characters)', { field: 'object_id' });
  return { limit: n, ...(start ? { start: String(start) } : {}), ...(type ? { object: { type: String(type), id: String(id) } } : {}) };
}

export function auditRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  const access = new AccountAccess(s);

  // An account's own trail: its admins and its resellers' admins (tenant scoping as everywhere).
  router.get('/accounts/:accountId/audit', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    ok(ctx, await query(s.app, accountId, pageParams(ctx, accountId)));
  });

  // Any scope, the shared catalog's included: the super-admin only.
  router.get('/audit', auth, async (ctx) => {
    if (principalOf(ctx).kind !== 'superadmin') throw forbidden('only the super-admin reads the audit trail across accounts; account admins use /api/accounts/{accountId}/audit');
    const scope = typeof ctx.query.scope === 'string' ? ctx.query.scope : CATALOG_SCOPE;
    if (scope !== CATALOG_SCOPE && !isAccountId(scope)) throw badRequest(`scope is "${CATALOG_SCOPE}" or an account id`, { field: 'scope' });
    ok(ctx, await query(s.app, scope, pageParams(ctx, scope)));
  });

  router.get('/accounts/:accountId/devices/:deviceId/fetches', auth, async (ctx) => {
    const { accountId, device } = await deviceOfRequest(s, ctx);
    const mac = normalizeMac(device.mac_address);
    if (!mac) throw notFound('this device has no MAC address, so no phone fetches files for it');
    const list = await fetchesOf(s.app, accountId, mac);
    ok(ctx, { mac, fetches: list.map((f) => ({ file: f.file, etag: f.etag, at: f.at, body_kept: !!f.body })) });
  });

  // What the phone would get now against what it last fetched (or the version ?etag= names), secrets masked on both sides.
  router.get('/accounts/:accountId/devices/:deviceId/fetches/diff', auth, async (ctx) => {
    const { accountId, device } = await deviceOfRequest(s, ctx);
    const mac = normalizeMac(device.mac_address);
    if (!mac) throw notFound('this device has no MAC address, so no phone fetches files for it');
    const list = await fetchesOf(s.app, accountId, mac);
    const file = typeof ctx.query.file === 'string' ? ctx.query.file : list[0]?.file;
    if (!file) throw notFound('the phone has not fetched any file since history was kept; nothing to compare with');
    const etag = typeof ctx.query.etag === 'string' ? ctx.query.etag : undefined;
    const from = list.find((f) => f.file === file && (!etag || f.etag === etag));
    if (!from) throw notFound(etag ? `the phone has no recorded fetch of ${file} with ETag ${etag.slice(0, 60)}` : `the phone has not fetched ${file} since history was kept`);
    const now = await renderPreview(s, accountId, device, file, false);
    // The real file's ETag says whether anything changed, secrets included; the masked bodies show what.
    const real = await renderPreview(s, accountId, device, file, true);
    const kept = from.body ? await keptBody(s.app, accountId, from.body) : null;
    const lines = kept ? lineDiff(textOf(templateOfDevice(s, device), kept), now.text) : null;
    ok(ctx, { file, fetched: { etag: from.etag, at: from.at }, current_etag: real.rendered.etag, changed: real.rendered.etag !== from.etag,
      body_kept: !!kept, too_large: !!kept && lines === null, lines: lines ?? [] });
  });

  return router;
}

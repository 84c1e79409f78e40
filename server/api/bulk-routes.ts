// Bulk import (CSV → Kazoo devices through crossbar, dry run first) and export (the account's devices
// with their provisioning state as CSV). Logic lives in server/bulk/; this only wires HTTP.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { HttpError } from '../http/errors.js';
import { crossbarUrl } from '../kazoo/crossbar.js';
import { checkRows, createDevices, deviceFor, readRows, type RowResult } from '../bulk/import.js';
import { writeCsv } from '../bulk/csv.js';
import { FileResolver } from '../phones/files.js';
import { currentEtag } from '../resync/status.js';
import type { Services } from '../services.js';
import { requireAccountAdmin } from './auth.js';
import { deviceRows } from './device-list.js';
import { ok } from './envelope.js';
import { accountParam } from './params.js';

const summary = (rows: RowResult[]) => ({ total: rows.length, ok: rows.filter((r) => r.status !== 'error').length,
  errors: rows.filter((r) => r.status === 'error').length });

export function bulkRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api/accounts/:accountId' });
  const resolver = new FileResolver(s.catalog);

  const check = async (ctx: Context, accountId: string) => {
    const data = (ctx.request.body as { data?: { csv?: unknown } } | undefined)?.data;
    const rows = readRows(data?.csv);
    return checkRows(accountId, rows, {
      template: (b, f, m) => s.catalog.template(b, f, m),
      macOwner: (mac) => s.macIndex.lookup(mac),
      userExists: async (id) => !!(await s.kazoo.user(accountId, id)),
    });
  };

  // Checks every row and writes nothing.
  router.post('/devices/import/check', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    requireAccountAdmin(s, ctx, accountId);
    const rows = await check(ctx, accountId);
    ok(ctx, { dry_run: true, ...summary(rows), rows });
  });

  // Checks again (the file may have been edited, or a MAC taken since) and creates all or nothing.
  router.post('/devices/import', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    const p = requireAccountAdmin(s, ctx, accountId);
    const apiUrl = crossbarUrl(s.app.config.kazooApiUrl);
    if (p.kind !== 'kazoo') throw new HttpError(403, 'forbidden', 'devices are created in Kazoo with your own Kazoo token; log in to Monster UI (or use a Kazoo token), not the provisioner admin token');
    const rows = await check(ctx, accountId);
    const bad = rows.filter((r) => r.status === 'error').length;
    if (bad) {
      throw new HttpError(400, 'bad_request', `${bad} of ${rows.length} rows have errors; nothing was created. Fix them (POST …/devices/import/check shows each reason) and send the file again`,
        { dry_run: false, ...summary(rows), rows });
    }
    const realm = s.kazoo.account(accountId)?.realm;
    const token = ctx.get('x-auth-token');
    const done = await createDevices(apiUrl, token, accountId, rows, (r) => {
      const [b, f, m] = r.model.toLowerCase().split('/');
      return deviceFor(r, s.catalog.template(b, f, m)!, realm);
    });
    if (!done.ok) throw new HttpError(409, 'conflict', 'Kazoo refused a device while importing; the devices created before it were removed again, so nothing was created', { ...summary(done.rows), rows: done.rows });
    s.app.log.info({ account_id: accountId, created: rows.length }, 'bulk import created devices');
    ok(ctx, { dry_run: false, ...summary(done.rows), rows: done.rows }, 201);
  });

  router.get('/devices/export', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    requireAccountAdmin(s, ctx, accountId);
    const devices = await deviceRows(s, accountId, await s.kazoo.devices(accountId));
    const header = ['mac', 'model', 'name', 'user', 'device_id', 'enabled', 'template_found', 'last_fetched_at', 'last_file', 'last_ip', 'user_agent',
      'etag_current', 'locked_to_ip', 'mac_conflict'];
    const rows = [];
    for (const d of devices) {
      // Whether the file the phone last fetched is still the one it would get now (empty: cannot tell).
      const last = d.last_seen;
      const now = last?.etag && d.mac_address && d.template_id ? await currentEtag(s, resolver, s.catalog.templateById(d.template_id)!.endpoint_brand, d.mac_address, last.file) : null;
      rows.push([d.mac_address, d.brand ? `${d.brand}/${d.family}/${d.model}` : '', d.name, d.owner_id, d.id, d.enabled, d.template_found,
        last ? new Date(last.at).toISOString() : '', last?.file, last?.ip, last?.ua, now ? now === last!.etag : '', d.lock?.ip, d.conflict]);
    }
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('content-disposition', `attachment; filename="devices-${accountId}.csv"`);
    ctx.body = writeCsv(header, rows);
  });

  return router;
}

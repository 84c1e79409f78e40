// The account's Kazoo devices as provisioning sees them (model, URL, last fetch, conflicts), and a
// preview of every file a device gets, secrets masked unless an admin asks for them.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { badRequest, notFound } from '../http/errors.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { normalizeMac } from '../kazoo/mac.js';
import { deviceFile, filesOf, fileNameFor } from '../phones/files.js';
import { renderPreview } from '../phones/preview.js';
import type { Services } from '../services.js';
import { isAccountAdmin, principalOf, requireAccountAdmin, requireOwnerOrAdmin, forbidden } from './auth.js';
import { ok } from './envelope.js';
import { accountParam, kazooIdParam } from './params.js';
import { deviceRows, templateOf as templateOfDevice } from './device-list.js';

/** The device a /devices/:deviceId request names, if the caller owns it or administers its account. */
export async function deviceOfRequest(s: Services, ctx: Context) {
  const accountId = accountParam(ctx);
  const device = await s.kazoo.device(accountId, kazooIdParam(ctx, 'deviceId'));
  if (!device) throw notFound(`no device ${ctx.params.deviceId} in account ${accountId}`);
  const { admin } = requireOwnerOrAdmin(s, ctx, accountId, device.owner_id);
  return { accountId, device, admin };
}

export function deviceRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api/accounts/:accountId' });

  const templateOf = (d: KazooDevice) => templateOfDevice(s, d);

  const loadDevice = (ctx: Context) => deviceOfRequest(s, ctx);

  router.get('/devices', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    const p = principalOf(ctx);
    const admin = isAccountAdmin(s, p, accountId);
    if (!admin && p.accountId !== accountId) throw forbidden('this token belongs to another account');
    const devices = (await s.kazoo.devices(accountId)).filter((d) => admin || (p.userId && d.owner_id === p.userId));
    ok(ctx, await deviceRows(s, accountId, devices));
  });

  router.get('/devices/:deviceId/config', auth, async (ctx) => {
    const { device } = await loadDevice(ctx);
    const mac = normalizeMac(device.mac_address);
    const t = templateOf(device);
    if (!mac) throw notFound('this device has no MAC address, so no phone fetches a config for it');
    if (!t) throw notFound(`no catalog template for ${device.provision?.endpoint_brand}/${device.provision?.endpoint_family}/${device.provision?.endpoint_model}`);
    const profile = s.catalog.profile(t.endpoint_brand);
    const files = filesOf(t, profile).map((f) => {
      const name = fileNameFor(f, mac, profile);
      return { name, scope: f.scope, url: `${s.app.config.publicUrl}/prov/${t.endpoint_brand}/${name}` };
    });
    ok(ctx, { template_id: t._id, files });
  });

  router.get('/devices/:deviceId/config/:file', auth, async (ctx) => {
    const { accountId, device, admin } = await loadDevice(ctx);
    const reveal = ctx.query.reveal === 'true';
    if (reveal && !admin) throw forbidden('only an administrator may see the secrets in a config');
    const { spec, rendered, text } = await renderPreview(s, accountId, device, ctx.params.file, reveal);
    ok(ctx, { name: ctx.params.file, scope: spec.scope, content_type: rendered.contentType, masked: !reveal,
      content: text, problems: [...new Set(rendered.problems)] });
  });

  router.get('/conflicts', auth, (ctx) => {
    const accountId = accountParam(ctx);
    const p = requireAccountAdmin(s, ctx, accountId);
    ok(ctx, s.macIndex.conflicts(accountId).map((c) => {
      const visible = c.accounts.filter((a) => isAccountAdmin(s, p, a));
      return { mac: c.mac, accounts: visible, other_accounts: c.accounts.length - visible.length };
    }));
  });

  return router;
}

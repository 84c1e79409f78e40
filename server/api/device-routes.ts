// The account's Kazoo devices as provisioning sees them (model, URL, last fetch, conflicts), and a
// preview of every file a device gets, secrets masked unless an admin asks for them.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { badRequest, notFound } from '../http/errors.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { normalizeMac } from '../kazoo/mac.js';
import { deviceFile, filesOf, fileNameFor } from '../phones/files.js';
import { resolvePhoneFiles } from '../phones/resolve.js';
import { withFirmware } from '../phones/phone-files.js';
import { firmwareVersionOf } from '../firmware/user-agent.js';
import { deviceModel, maskedModel } from '../render/model.js';
import { renderFile } from '../render/pipeline.js';
import type { Services } from '../services.js';
import { isAccountAdmin, principalOf, requireAccountAdmin, requireOwnerOrAdmin, forbidden } from './auth.js';
import { ok } from './envelope.js';
import { accountParam, kazooIdParam } from './params.js';
import { lockId } from '../security/locks.js';

export function deviceRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api/accounts/:accountId' });

  const templateOf = (d: KazooDevice) => {
    const p = d.provision || {};
    return p.endpoint_brand ? s.catalog.template(p.endpoint_brand, p.endpoint_family, p.endpoint_model) : undefined;
  };

  const provisioningUrl = (d: KazooDevice, mac: string | null) => {
    const t = templateOf(d);
    if (!t || !mac) return null;
    const profile = s.catalog.profile(t.endpoint_brand);
    const file = deviceFile(t, profile, null);
    return file ? `${s.app.config.publicUrl}/prov/${t.endpoint_brand}/${fileNameFor(file, mac, profile)}` : null;
  };

  const loadDevice = async (ctx: Context) => {
    const accountId = accountParam(ctx);
    const device = await s.kazoo.device(accountId, kazooIdParam(ctx, 'deviceId'));
    if (!device) throw notFound(`no device ${ctx.params.deviceId} in account ${accountId}`);
    const { admin } = requireOwnerOrAdmin(s, ctx, accountId, device.owner_id);
    return { accountId, device, admin };
  };

  router.get('/devices', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    const p = principalOf(ctx);
    const admin = isAccountAdmin(s, p, accountId);
    if (!admin && p.accountId !== accountId) throw forbidden('this token belongs to another account');
    const devices = (await s.kazoo.devices(accountId)).filter((d) => admin || (p.userId && d.owner_id === p.userId));
    const macs = devices.map((d) => normalizeMac(d.mac_address)).filter((m): m is string => !!m);
    // Last fetch and IP lock of every listed phone, in one request.
    const keys = macs.flatMap((m) => [`seen:${m}`, lockId(accountId, m)]);
    const state = keys.length ? await s.app.stateDb.fetch({ keys }) : { rows: [] };
    const lastSeen = new Map<string, unknown>();
    const locks = new Map<string, { ip: string; at: number }>();
    for (const row of state.rows as Array<{ doc?: { _id: string; mac: string; last?: unknown; account_id: string; ip?: string; at?: number } | null }>) {
      const d = row.doc;
      if (!d || d.account_id !== accountId) continue;
      if (d._id.startsWith('seen:')) lastSeen.set(d.mac, d.last);
      else locks.set(d.mac, { ip: d.ip!, at: d.at! });
    }
    const conflicts = new Set(s.macIndex.conflicts(accountId).map((c) => c.mac));
    const data = devices.sort((a, b) => String(a.name).localeCompare(String(b.name))).map((d) => {
      const mac = normalizeMac(d.mac_address);
      const p2 = d.provision || {};
      const t = templateOf(d);
      return {
        id: d._id, name: d.name, mac_address: mac, owner_id: d.owner_id ?? null, device_type: d.device_type || 'sip_device',
        enabled: d.enabled !== false, brand: p2.endpoint_brand ?? null, family: p2.endpoint_family ?? null, model: p2.endpoint_model ?? null,
        template_id: t?._id ?? null, template_found: !!t, provisioning_url: provisioningUrl(d, mac),
        last_seen: (mac && lastSeen.get(mac)) || null,
        firmware_version: firmwareVersionOf((mac && (lastSeen.get(mac) as { ua?: string } | undefined)?.ua) || null), lock: (mac && locks.get(mac)) || null, conflict: !!mac && conflicts.has(mac),
      };
    });
    ok(ctx, data);
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
    const mac = normalizeMac(device.mac_address);
    const t = templateOf(device);
    if (!mac || !t) throw notFound('this device has no MAC address or no catalog template');
    const profile = s.catalog.profile(t.endpoint_brand);
    const spec = filesOf(t, profile).find((f) => fileNameFor(f, mac, profile) === ctx.params.file);
    if (!spec) throw notFound(`${t._id} has no file ${ctx.params.file}; GET …/config lists its files`);
    const resolved = await resolvePhoneFiles(s, mac);
    if (!resolved.ok || resolved.data.accountId !== accountId) {
      throw notFound(`the phone ${mac} is not served (${resolved.ok ? 'another account claims the MAC' : resolved.reason})`);
    }
    const model = deviceModel(s.app.config, t, profile, withFirmware(s, resolved.data, t));
    const rendered = renderFile(t, profile, spec, ctx.params.file, reveal ? model : maskedModel(model));
    const text = rendered.body.toString(t.format?.encoding === 'latin1' ? 'latin1' : 'utf8');
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

// The security part of the management API (Kazoo envelope, X-Auth-Token): unlock and unban (what
// SmartPBX's Unlock button calls), provisioning windows, per-account settings, per-device
// credentials, and the unknown MACs phones have asked with. Thin: the work is in the stores.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Services } from '../services.js';
import { AccountAccess } from '../api/account-access.js';
import { forbidden, principalOf } from '../api/auth.js';
import { ok } from '../api/envelope.js';
import { badRequest, notFound } from '../http/errors.js';
import { normalizeMac } from '../kazoo/mac.js';
import { unknownMacs, type UnknownMac } from '../phones/sightings.js';
import { unknownMacsNear } from '../phones/sighting-visibility.js';
import { FIRST_CONTACT_WINDOW, lockOf, normalizeIp } from './locks.js';
import { actorOf, record } from '../audit/log.js';
import { credentialsRequired, type SecuritySettings } from './settings.js';
import { accountParam, kazooIdParam, macParam } from '../api/params.js';
import type { ProfileDoc } from '../catalog/types.js';

function ipParam(ctx: Context): string {
  if (ctx.params.ip === FIRST_CONTACT_WINDOW) return FIRST_CONTACT_WINDOW;
  // The router has decoded the parameter already (and left it as sent when it could not be decoded).
  const ip = normalizeIp(String(ctx.params.ip));
  if (!ip) throw badRequest(`"${String(ctx.params.ip).slice(0, 60)}" is not an IP address (or "${FIRST_CONTACT_WINDOW}")`, { field: 'ip' });
  return ip;
}

export function securityRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  const sec = s.security;
  const access = new AccountAccess(s);
  /** One audit event for a change made through this router (server/audit/log.ts). */
  const audit = (ctx: Context, accountId: string, object: { type: string; id: string }, action: string, before?: unknown, after?: unknown) =>
    record(s.app, { accountId, who: actorOf(principalOf(ctx)), object, action, before, after });
  const admin = async (ctx: Context) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    return accountId;
  };

  /** What GET/PUT settings answer: ours, with Kazoo's account-level facts beside them (no secrets). */
  const settingsView = (accountId: string, st: SecuritySettings) => {
    const prov = s.kazoo.account(accountId)?.provision || {};
    return { ...st, require_credentials: credentialsRequired(st, prov.urlpass), require_credentials_setting: st.require_credentials,
      provision_enabled: !(prov.provision_enabled === false || prov.provision_enabled === 'false'),
      urlpass_set: typeof prov.urlpass === 'string' && !!prov.urlpass };
  };

  router.get('/accounts/:accountId/provisioning/settings', auth, async (ctx) => {
    const accountId = await admin(ctx);
    ok(ctx, settingsView(accountId, await sec.settings.get(accountId)));
  });

  router.put('/accounts/:accountId/provisioning/settings', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const input = { ...((ctx.request as { body?: { data?: Record<string, unknown> } }).body?.data ?? {}) };
    // Read-only facts a client may send back unchanged.
    for (const k of ['provision_enabled', 'urlpass_set', 'require_credentials_setting']) delete input[k];
    const before = await sec.settings.get(accountId);
    const after = await sec.settings.put(accountId, input);
    await audit(ctx, accountId, { type: 'security_settings', id: accountId }, 'security_settings_changed', before, after);
    ok(ctx, settingsView(accountId, after));
  });

  router.put('/accounts/:accountId/provisioning/windows/:ip/hours/:hours', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const ip = ipParam(ctx);
    const hours = Number(ctx.params.hours);
    if (!Number.isInteger(hours) || hours < 1 || hours > 168) throw badRequest('hours must be an integer from 1 to 168', { field: 'hours' });
    const w = await sec.locks.openWindow(accountId, ip, hours);
    await audit(ctx, accountId, { type: 'provisioning_window', id: ip }, 'window_opened', undefined, { ip, hours, until: w.expires_at });
    ok(ctx, { ip, hours, at: w.at, until: w.expires_at });
  });

  router.get('/accounts/:accountId/provisioning/windows', auth, async (ctx) => {
    const accountId = await admin(ctx);
    ok(ctx, (await sec.locks.windows(accountId)).map((w) => ({ ip: w.ip, at: w.at, until: w.expires_at })));
  });

  router.delete('/accounts/:accountId/provisioning/windows/:ip', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const ip = ipParam(ctx);
    if (!(await sec.locks.closeWindow(accountId, ip))) throw notFound(`no window is open for ${ip}`);
    await audit(ctx, accountId, { type: 'provisioning_window', id: ip }, 'window_closed', { ip }, undefined);
    ok(ctx, {});
  });

  // SmartPBX's Unlock button: DELETE with a JSON body (ignored).
  router.delete('/locks/:accountId/ban/:ip', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const ip = ipParam(ctx);
    // An account admin lifts the ban for their own phones only; the super-admin for everyone.
    const whole = principalOf(ctx).kind === 'superadmin';
    await sec.bans.lift(ip, whole ? null : accountId);
    await audit(ctx, accountId, { type: 'ban', id: ip }, 'ban_lifted', { ip, whole }, undefined);
    s.app.log.info({ account_id: accountId, ip, whole }, 'provisioning ban lifted');
    ok(ctx, {});
  });

  router.delete('/locks/:accountId/:mac', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const mac = macParam(ctx);
    const before = await lockOf(s.app, accountId, mac);
    const removed = await sec.locks.unlock(accountId, mac);
    await audit(ctx, accountId, { type: 'device_lock', id: mac }, 'lock_removed', before ?? undefined, undefined);
    s.app.log.info({ account_id: accountId, mac, removed }, 'provisioning lock removed');
    ok(ctx, {});
  });

  const deviceMac = async (accountId: string, deviceId: string): Promise<string> => {
    const docs = await s.kazoo.docs<any>(accountId, [deviceId]);
    const device = docs.get(deviceId);
    if (!device || device.pvt_type !== 'device' || device.pvt_deleted) throw notFound(`no device ${deviceId} in account ${accountId}`);
    const mac = normalizeMac(device.mac_address);
    if (!mac) throw notFound('this device has no MAC address, so it has no provisioning credentials', { field: 'mac_address' });
    return mac;
  };

  const credentialsView = (c: { username: string; password: string }) => ({ username: c.username, password: c.password, realm: sec.credentials.realm });

  router.get('/accounts/:accountId/devices/:deviceId/credentials', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const mac = await deviceMac(accountId, kazooIdParam(ctx, 'deviceId'));
    ok(ctx, credentialsView(await sec.credentials.ensure(accountId, mac)));
  });

  router.post('/accounts/:accountId/devices/:deviceId/credentials/rotate', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const mac = await deviceMac(accountId, kazooIdParam(ctx, 'deviceId'));
    // By default the old password works until the phone has fetched its new config with it; send
    // {"data": {"keep_previous": false}} when the old one leaked and must stop working at once.
    const keep = (ctx.request as { body?: { data?: { keep_previous?: unknown } } }).body?.data?.keep_previous;
    if (keep !== undefined && typeof keep !== 'boolean') throw badRequest('keep_previous must be true or false', { pointer: '/data/keep_previous', field: 'keep_previous' });
    const previous = await sec.credentials.ensure(accountId, mac);
    const creds = await sec.credentials.rotate(accountId, mac, keep !== false);
    // The diff says a password changed, never what it was or became (server/audit/diff.ts masks it).
    await audit(ctx, accountId, { type: 'device_credentials', id: ctx.params.deviceId }, 'credentials_rotated',
      { username: previous.username, password: previous.password }, { username: creds.username, password: creds.password, keep_previous: keep !== false });
    s.app.log.info({ account_id: accountId, device_id: ctx.params.deviceId, keep_previous: keep !== false }, 'provisioning credentials rotated');
    ok(ctx, credentialsView(creds));
  });

  router.get('/unknown-macs', auth, async (ctx) => {
    if (principalOf(ctx).kind !== 'superadmin') throw forbidden('only the super-admin sees MACs that belong to no account');
    // Those adopted since (now on a Kazoo device) are left out.
    const list = (await unknownMacs(s.app)).filter((u) => s.macIndex.lookup(u.mac).kind === 'none');
    ok(ctx, list.map(({ mac, count, last_ip, ua, at }) => ({ mac, count, last_ip, ua, at })));
  });

  // An account admin's view: only MACs it can prove are seen from its own sites (a reseller's: its
  // sub-accounts' too), each with the brand its OUI belongs to (when a vendor profile lists it) so
  // the Adopt dialog can pre-select it.
  router.get('/accounts/:accountId/unknown-macs', auth, async (ctx) => {
    const accountId = await admin(ctx);
    const { cidrs } = await sec.settings.get(accountId);
    const brandOf = ouiBrands(s.catalog.allProfiles());
    const family = [accountId, ...s.kazoo.accountIds().filter((id) => s.kazoo.ancestors(id).includes(accountId))];
    const list = (await unknownMacsNear(s.app, family, cidrs)).filter((u) => s.macIndex.lookup(u.mac).kind === 'none');
    ok(ctx, list.map((u: UnknownMac) => ({ mac: u.mac, count: u.count, last_ip: u.last_ip, ua: u.ua, at: u.at, first_at: u.first_at,
      brand: brandOf.get(u.mac.slice(0, 6)) ?? null })));
  });

  return router;
}

/** OUI (first six hex digits of a MAC) → brand, from the vendor profiles' `ouis`. */
function ouiBrands(profiles: ProfileDoc[]): Map<string, string> {
  return new Map(profiles.flatMap((p) => (p.ouis || []).map((oui) => [oui.toLowerCase(), p.brand] as [string, string])));
}

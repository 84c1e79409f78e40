// Phone settings per level (catalog default, reseller, account, model, device) and a device's
// effective settings with the level of each value. Thin: checks in settings/schema.ts, storage and
// merging in settings/store.ts and settings/effective.ts.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { actorOf, record } from '../audit/log.js';
import type { TemplateDoc } from '../catalog/types.js';
import { badRequest, notFound } from '../http/errors.js';
import { MASK } from '../render/model.js';
import type { Services } from '../services.js';
import { effectiveSettings, notWritten } from '../settings/effective.js';
import { checkRawKeys, knownKeys, parseLevel, type LevelSettings } from '../settings/schema.js';
import { levelId } from '../settings/store.js';
import { AccountAccess } from './account-access.js';
import { forbidden, principalOf } from './auth.js';
import { ok } from './envelope.js';
import { accountParam, brandParam, kazooIdParam } from './params.js';

const masked = (l: LevelSettings): LevelSettings =>
  (l.settings.admin_password ? { ...l, settings: { ...l.settings, admin_password: MASK } } : l);

const bodyOf = (ctx: Context) => (ctx.request as { body?: { data?: unknown } }).body?.data;

export function settingsRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  const access = new AccountAccess(s);
  const store = s.phoneSettings;

  /** Checks a body against the schema and the brands' keys; the mask sent back keeps the stored password. */
  const parse = (ctx: Context, id: string, only?: TemplateDoc): LevelSettings => {
    const level = parseLevel(bodyOf(ctx));
    if (level.settings.admin_password === MASK) {
      const cur = store.get(id).settings.admin_password;
      if (cur) level.settings.admin_password = cur;
      else delete level.settings.admin_password;
    }
    for (const [brand, keys] of Object.entries(level.raw)) {
      if (only && brand !== only.endpoint_brand) {
        throw badRequest(`/data/raw/${brand}: this level is for a ${only.endpoint_brand} phone; raw keys of ${brand} would never be used`, { pointer: `/data/raw/${brand}` });
      }
      const templates = only ? [only] : s.catalog.allTemplates().filter((t) => t.endpoint_brand === brand);
      if (!templates.length) throw badRequest(`/data/raw/${brand}: the catalog has no brand "${brand}"`, { pointer: `/data/raw/${brand}` });
      if (templates.every((t) => t.pvt_generator === 'json2xml')) {
        throw badRequest(`/data/raw/${brand}: ${brand}'s files are XML; raw keys apply to key = value files only`, { pointer: `/data/raw/${brand}` });
      }
      checkRawKeys(brand, keys, knownKeys(templates), only ? `${only._id}'s template` : `any ${brand} template`);
    }
    return level;
  };

  const level = (path: string, resolve: (ctx: Context) => Promise<{ id: string; accountId: string | null; template?: TemplateDoc }>) => {
    router.get(path, auth, async (ctx) => {
      const { id } = await resolve(ctx);
      ok(ctx, masked(store.get(id)));
    });
    router.put(path, auth, async (ctx) => {
      const { id, accountId, template } = await resolve(ctx);
      const before = store.get(id);
      const after = await store.put(id, accountId, parse(ctx, id, template));
      // The diff masks the admin password (server/audit/diff.ts); the default level is a catalog event.
      await record(s.app, { accountId, who: actorOf(principalOf(ctx)), object: { type: 'phone_settings', id }, action: 'phone_settings_changed',
        before, after });
      ok(ctx, masked(after));
    });
  };

  level('/phone-settings/default', async (ctx) => {
    if (principalOf(ctx).kind !== 'superadmin') throw forbidden('the catalog default is set with the server\'s admin token');
    return { id: levelId.default(), accountId: null };
  });
  level('/accounts/:accountId/phone-settings/reseller', async (ctx) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    return { id: levelId.reseller(accountId), accountId };
  });
  level('/accounts/:accountId/phone-settings', async (ctx) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    return { id: levelId.account(accountId), accountId };
  });
  level('/accounts/:accountId/phone-settings/models/:brand/:family/:model', async (ctx) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    const template = s.catalog.template(brandParam(ctx), ctx.params.family, ctx.params.model);
    if (!template) throw notFound(`the catalog has no model ${ctx.params.brand}/${ctx.params.family}/${ctx.params.model}`);
    return { id: levelId.model(accountId, template._id), accountId, template };
  });

  const device = async (ctx: Context) => {
    const accountId = accountParam(ctx);
    await access.requireAdmin(ctx, accountId);
    const d = await s.kazoo.device(accountId, kazooIdParam(ctx, 'deviceId'));
    if (!d) throw notFound(`no device ${ctx.params.deviceId} in account ${accountId}`);
    const p = d.provision || {};
    const template = p.endpoint_brand ? s.catalog.template(p.endpoint_brand, p.endpoint_family, p.endpoint_model) : undefined;
    return { accountId, device: d, template };
  };
  level('/accounts/:accountId/devices/:deviceId/phone-settings', async (ctx) => {
    const { accountId, device: d, template } = await device(ctx);
    return { id: levelId.device(accountId, d._id), accountId, template };
  });

  router.get('/accounts/:accountId/devices/:deviceId/phone-settings/effective', auth, async (ctx) => {
    const { accountId, device: d, template } = await device(ctx);
    const eff = effectiveSettings(store, { accountId, account: s.kazoo.account(accountId), templateId: template?._id,
      brand: template?.endpoint_brand, deviceId: d._id });
    const settings = eff.settings.admin_password ? { ...eff.settings, admin_password: MASK } : eff.settings;
    ok(ctx, { template_id: template?._id ?? null, settings, raw: eff.raw, sources: eff.sources, not_written: notWritten(template, eff.sources) });
  });

  return router;
}

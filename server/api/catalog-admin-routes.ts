// Catalog management: templates and vendor profiles. Reading needs any valid token; writing needs
// the super-admin or an admin of the top account (the catalog is shared by every tenant).
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { importConfig } from '../catalog/import.js';
import { CatalogStore } from '../catalog/store.js';
import { capabilitiesOf } from '../catalog/types.js';
import { badRequest } from '../http/errors.js';
import type { Services } from '../services.js';
import { forbidden, principalOf } from './auth.js';
import { ok } from './envelope.js';
import { brandParam, templateIdParam } from './params.js';

export function requireCatalogAdmin(s: Services, ctx: Context): void {
  const p = principalOf(ctx);
  if (p.kind === 'superadmin') return;
  const top = p.accountId && s.kazoo.account(p.accountId) && !(s.kazoo.ancestors(p.accountId).length);
  if (p.privLevel === 'admin' && top) return;
  throw forbidden('the catalog is shared by every tenant: only an administrator of the top (master) account may change it');
}

function body(ctx: Context): Record<string, unknown> {
  const data = (ctx.request.body as { data?: unknown } | undefined)?.data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRequest('the body must be {"data": {…}}');
  return data as Record<string, unknown>;
}

export function catalogAdminRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api/catalog' });
  const store = new CatalogStore(s.app, s.catalog);

  router.get('/templates', auth, (ctx) => {
    ok(ctx, s.catalog.allTemplates().sort((a, b) => a._id.localeCompare(b._id)).map((t) => ({
      id: t._id, brand: t.endpoint_brand, family: String(t.endpoint_family), model: String(t.endpoint_model),
      name: String(t.name ?? t.endpoint_model), capabilities: capabilitiesOf(t) })));
  });
  router.get('/profiles', auth, (ctx) => {
    ok(ctx, s.catalog.allProfiles().sort((a, b) => a.brand.localeCompare(b.brand)).map((p) => ({ id: p._id, brand: p.brand, name: p.name })));
  });

  // Ids contain slashes (ui/yealink/t4x/t46s): the client URL-encodes them, the router decodes.
  router.get('/templates/:id', auth, async (ctx) => { ok(ctx, await store.get(templateIdParam(ctx))); });
  router.get('/profiles/:brand', auth, async (ctx) => { ok(ctx, await store.get(`profile/${brandParam(ctx)}`)); });

  router.post('/templates', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    ok(ctx, await store.save({ ...body(ctx), pvt_type: 'provisioner' }, 'create'), 201);
  });
  router.put('/templates/:id', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = templateIdParam(ctx);
    const doc = body(ctx);
    if (doc._id !== undefined && doc._id !== id) throw badRequest(`data._id ${String(doc._id).slice(0, 80)} does not match the URL's ${id}`);
    ok(ctx, await store.save({ ...doc, _id: id }, 'update'));
  });
  router.delete('/templates/:id', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = templateIdParam(ctx);
    await store.remove(id, typeof ctx.query.rev === 'string' ? ctx.query.rev : undefined);
    ok(ctx, { id, deleted: true });
  });
  router.post('/profiles', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    ok(ctx, await store.save({ ...body(ctx), pvt_type: 'vendor_profile' }, 'create'), 201);
  });
  router.put('/profiles/:brand', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    ok(ctx, await store.save({ ...body(ctx), _id: `profile/${brandParam(ctx)}` }, 'update'));
  });
  router.delete('/profiles/:brand', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = `profile/${brandParam(ctx)}`;
    await store.remove(id, typeof ctx.query.rev === 'string' ? ctx.query.rev : undefined);
    ok(ctx, { id, deleted: true });
  });

  // A phone's exported config → a template (preview), saved only when asked.
  router.post('/import', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const result = importConfig(body(ctx) as never, s.catalog, s.app.config);
    if ((body(ctx) as { save?: boolean }).save) {
      const existing = s.catalog.templateById(result.template._id);
      const saved = await store.save(existing ? { ...result.template, _rev: existing._rev } : result.template, existing ? 'update' : 'create');
      ok(ctx, { ...result, template: saved, saved: true }, existing ? 200 : 201);
      return;
    }
    ok(ctx, { ...result, saved: false });
  });

  return router;
}

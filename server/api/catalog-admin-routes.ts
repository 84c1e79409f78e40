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
import { actorOf } from '../audit/log.js';
import { revisionBody, revisions, templateChanged } from '../audit/template-history.js';
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

  const who = (ctx: Context) => actorOf(principalOf(ctx));
  /** The template as it was before a write, for the audit diff (the cache holds every template). */
  const current = (id: string) => (s.catalog.templateById(id) as Record<string, unknown> | undefined) ?? null;

  router.post('/templates', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const saved = await store.save({ ...body(ctx), pvt_type: 'provisioner' }, 'create');
    await templateChanged(s.app, who(ctx), 'template_created', null, saved);
    ok(ctx, saved, 201);
  });
  router.put('/templates/:id', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = templateIdParam(ctx);
    const doc = body(ctx);
    if (doc._id !== undefined && doc._id !== id) throw badRequest(`data._id ${String(doc._id).slice(0, 80)} does not match the URL's ${id}`);
    const before = current(id);
    const saved = await store.save({ ...doc, _id: id }, 'update');
    await templateChanged(s.app, who(ctx), 'template_updated', before, saved);
    ok(ctx, saved);
  });
  router.delete('/templates/:id', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = templateIdParam(ctx);
    const before = current(id);
    await store.remove(id, typeof ctx.query.rev === 'string' ? ctx.query.rev : undefined);
    if (before) await templateChanged(s.app, who(ctx), 'template_deleted', before, null);
    ok(ctx, { id, deleted: true });
  });

  // Kept revisions (server/audit/template-history.ts), newest first, and rolling back to one. Both
  // for catalog admins: the history names who edited the shared catalog.
  router.get('/templates/:id/history', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    ok(ctx, await revisions(s.app, templateIdParam(ctx)));
  });
  router.get('/templates/:id/history/:revision', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    ok(ctx, await revisionBody(s.app, templateIdParam(ctx), String(ctx.params.revision)));
  });
  router.post('/templates/:id/rollback', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = templateIdParam(ctx);
    const { revision, _rev: rev } = body(ctx) as { revision?: unknown; _rev?: unknown };
    if (typeof revision !== 'string') throw badRequest('data.revision is required: one of the revisions GET …/history lists', { pointer: '/data/revision' });
    if (typeof rev !== 'string') throw badRequest('data._rev is required: the _rev of the template you read, so no newer edit is undone unseen', { pointer: '/data/_rev' });
    const old = await revisionBody(s.app, id, revision);
    const before = current(id);
    // A template deleted since is created again; otherwise the old body is written over the caller's revision.
    const saved = before ? await store.save({ ...old, _id: id, _rev: rev }, 'update') : await store.save({ ...old, _id: id }, 'create');
    await templateChanged(s.app, who(ctx), 'template_rolled_back', before, saved, { revision });
    ok(ctx, saved);
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
      await templateChanged(s.app, who(ctx), 'template_imported', (existing as Record<string, unknown> | undefined) ?? null, saved);
      ok(ctx, { ...result, template: saved, saved: true }, existing ? 200 : 201);
      return;
    }
    ok(ctx, { ...result, saved: false });
  });

  return router;
}

// Firmware through the API: files (catalog-wide, changed by catalog admins), policies per model
// (catalog-wide by catalog admins, per account by the account's admins), and what each phone runs.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { removeCurrent } from '../couch/client.js';
import { conflict, HttpError, badRequest, notFound } from '../http/errors.js';
import { CATALOG_SCOPE, FIRMWARE_PREFIX, policyId, type FirmwareDoc, type PolicyDoc } from '../firmware/catalog.js';
import { policyModelKey } from '../firmware/policy.js';
import { storeFirmware, MAX_FIRMWARE_BYTES } from '../firmware/upload.js';
import { firmwareVersionOf } from '../firmware/user-agent.js';
import { normalizeMac } from '../kazoo/mac.js';
import type { Services } from '../services.js';
import { principalOf, requireAccountAdmin } from './auth.js';
import { requireCatalogAdmin } from './catalog-admin-routes.js';
import { ok } from './envelope.js';
import { accountParam } from './params.js';

const VERSION = /^[A-Za-z0-9._+-]{1,64}$/;
const FILE_NAME = /^[A-Za-z0-9._+-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const KEY = /^[a-z0-9_-]{1,40}$/;

const query = (ctx: Context, name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string).trim() : '');

function urlOf(s: Services, f: FirmwareDoc): string {
  return `${s.app.config.publicUrl}/prov/fw/${f._id.slice(FIRMWARE_PREFIX.length)}/${f.file_name}`;
}

function fileView(s: Services, f: FirmwareDoc) {
  return { id: f._id.slice(FIRMWARE_PREFIX.length), brand: f.brand, models: f.models, version: f.version, file_name: f.file_name,
    content_type: f.content_type, size: f.size, sha256: f.sha256, uploaded_at: f.uploaded_at, url: urlOf(s, f) };
}

function policyView(p: PolicyDoc) {
  return { scope: p.scope, brand: p.brand, family: p.family, model: p.model, firmware_id: p.firmware_id,
    rollout: p.rollout ?? null, updated_at: p.updated_at, updated_by: p.updated_by };
}

function who(ctx: Context): string {
  const p = principalOf(ctx);
  return p.kind === 'superadmin' ? 'admin token' : `kazoo user ${p.userId ?? '?'} of ${p.accountId ?? '?'}`;
}

export function firmwareRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api' });
  const fw = s.firmware;

  /** brand/family/model of the URL, checked against the catalog. */
  const modelOf = (ctx: Context) => {
    const { brand, family, model } = ctx.params;
    if (![brand, family, model].every((k) => KEY.test(k))) throw badRequest('brand, family and model are catalog keys (lowercase letters, digits, _ and -)');
    if (!s.catalog.template(brand, family, model)) throw notFound(`no catalog model ${brand}/${family}/${model}; GET /api/catalog/templates lists them`);
    return { brand, family, model };
  };

  /** The policy body: a pinned file and an optional rollout, both existing files for this model. */
  const policyBody = (ctx: Context, brand: string, family: string, model: string) => {
    const data = (ctx.request.body as { data?: any } | undefined)?.data;
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRequest('the body must be {"data": {"firmware_id": "…", "rollout": {"firmware_id": "…", "percent": 10}}}');
    const fileFor = (id: unknown, field: string) => {
      if (id === null && field === 'firmware_id') return null;
      const f = typeof id === 'string' ? fw.file(id) : undefined;
      if (!f) throw badRequest(`${field} ${JSON.stringify(id)?.slice(0, 40)} is no uploaded firmware file; GET /api/firmware lists them`, { field });
      const base = policyModelKey(brand, family, model).split('/').slice(1).join('/');
      if (f.brand !== brand || (f.models.length && !f.models.includes(base))) {
        throw badRequest(`${field} ${id} is firmware for ${f.brand} ${f.models.join(', ') || '(any model)'}, not for ${brand}/${base}`, { field });
      }
      return id as string;
    };
    const firmwareId = fileFor(data.firmware_id ?? null, 'firmware_id');
    let rollout: PolicyDoc['rollout'] = null;
    if (data.rollout !== undefined && data.rollout !== null) {
      const pct = data.rollout.percent;
      if (!Number.isInteger(pct) || pct < 0 || pct > 100) throw badRequest('rollout.percent must be a whole number from 0 to 100', { field: 'rollout.percent' });
      rollout = { firmware_id: fileFor(data.rollout.firmware_id, 'rollout.firmware_id')!, percent: pct };
    }
    if (!firmwareId && !rollout) throw badRequest('name a firmware_id to pin, a rollout, or both');
    return { firmware_id: firmwareId, rollout };
  };

  const savePolicy = async (ctx: Context, scope: string) => {
    const { brand, family, model } = modelOf(ctx);
    const body = policyBody(ctx, brand, family, model);
    const base = policyModelKey(brand, family, model).split('/')[2];
    const doc: PolicyDoc = { _id: policyId(scope, brand, family, model), pvt_type: 'firmware_policy', scope,
      ...(scope === CATALOG_SCOPE ? {} : { account_id: scope }), brand, family, model: base, ...body,
      updated_at: s.app.now(), updated_by: who(ctx) };
    const current = fw.policy(scope, brand, family, model);
    try {
      const res = await s.app.stateDb.insert(current ? { ...doc, _rev: current._rev } : doc);
      fw.apply(doc._id, { ...doc, _rev: res.rev });
      fw.changed();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) throw conflict('the policy was changed meanwhile; read it again and retry');
      throw err;
    }
    ok(ctx, policyView(fw.policy(scope, brand, family, model)!));
  };

  const removePolicy = async (ctx: Context, scope: string) => {
    const { brand, family, model } = modelOf(ctx);
    const id = policyId(scope, brand, family, model);
    if (!(await removeCurrent(s.app.stateDb, id))) throw notFound(`no firmware policy for ${brand}/${family}/${model} here`);
    fw.apply(id, null);
    fw.changed();
    ok(ctx, { id, deleted: true });
  };

  router.get('/firmware', auth, (ctx) => { ok(ctx, fw.allFiles().map((f) => fileView(s, f))); });

  // The body is the file's bytes (any content type but JSON); its description is in the query.
  router.post('/firmware', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const brand = query(ctx, 'brand');
    if (!s.catalog.profile(brand) || !KEY.test(brand)) throw badRequest(`brand "${brand.slice(0, 40)}" is not a catalog brand`, { field: 'brand' });
    const version = query(ctx, 'version');
    if (!VERSION.test(version)) throw badRequest('version is required: up to 64 letters, digits, . _ + -', { field: 'version' });
    const fileName = query(ctx, 'file_name');
    if (!FILE_NAME.test(fileName)) throw badRequest('file_name is required: up to 128 letters, digits, . _ + - (the name the phone sees)', { field: 'file_name' });
    const models = query(ctx, 'models').split(',').map((m) => m.trim()).filter(Boolean);
    for (const m of models) {
      const [family, model] = m.split('/');
      if (!family || !model || !s.catalog.template(brand, family, model)) throw badRequest(`models: "${m.slice(0, 60)}" is no ${brand} family/model of the catalog`, { field: 'models' });
    }
    const expected = query(ctx, 'sha256').toLowerCase() || null;
    if (expected && !SHA256.test(expected)) throw badRequest('sha256 must be 64 hex digits', { field: 'sha256' });
    if (ctx.is('json')) throw badRequest('send the firmware bytes as the body with Content-Type application/octet-stream');
    if (Number(ctx.get('content-length')) > MAX_FIRMWARE_BYTES) throw new HttpError(413, 'too_large', `a firmware file may be at most ${MAX_FIRMWARE_BYTES} bytes`);
    const doc = await storeFirmware(s.app, ctx.req, { brand, models, version, file_name: fileName,
      content_type: 'application/octet-stream', expected_sha256: expected, uploaded_by: who(ctx) });
    fw.apply(doc._id, doc);
    ok(ctx, fileView(s, doc), 201);
  });

  router.delete('/firmware/:id', auth, async (ctx) => {
    requireCatalogAdmin(s, ctx);
    const id = String(ctx.params.id);
    if (!fw.file(id)) throw notFound(`no firmware file ${id.slice(0, 40)}`);
    const users = fw.usersOf(id);
    if (users.length) throw conflict(`firmware ${id} is named by ${users.length} polic${users.length === 1 ? 'y' : 'ies'}; change them first`, { policies: users.map(policyView) });
    await removeCurrent(s.app.stateDb, FIRMWARE_PREFIX + id);
    fw.apply(FIRMWARE_PREFIX + id, null);
    ok(ctx, { id, deleted: true });
  });

  router.get('/firmware/policies', auth, (ctx) => { ok(ctx, fw.policiesOf(CATALOG_SCOPE).map(policyView)); });
  router.put('/firmware/policies/:brand/:family/:model', auth, async (ctx) => { requireCatalogAdmin(s, ctx); await savePolicy(ctx, CATALOG_SCOPE); });
  router.delete('/firmware/policies/:brand/:family/:model', auth, async (ctx) => { requireCatalogAdmin(s, ctx); await removePolicy(ctx, CATALOG_SCOPE); });

  const account = (ctx: Context) => { const id = accountParam(ctx); requireAccountAdmin(s, ctx, id); return id; };
  // The account's own policies and the catalog-wide ones it inherits where it has none.
  router.get('/accounts/:accountId/firmware/policies', auth, (ctx) => {
    const id = account(ctx);
    const own = fw.policiesOf(id);
    const mine = new Set(own.map((p) => `${p.brand}/${p.family}/${p.model}`));
    ok(ctx, [...own, ...fw.policiesOf(CATALOG_SCOPE).filter((p) => !mine.has(`${p.brand}/${p.family}/${p.model}`))].map(policyView));
  });
  router.put('/accounts/:accountId/firmware/policies/:brand/:family/:model', auth, async (ctx) => { await savePolicy(ctx, account(ctx)); });
  router.delete('/accounts/:accountId/firmware/policies/:brand/:family/:model', auth, async (ctx) => { await removePolicy(ctx, account(ctx)); });

  // Per device: the firmware its policy assigns and the version its last fetch reported.
  router.get('/accounts/:accountId/firmware/devices', auth, async (ctx) => {
    const accountId = account(ctx);
    const devices = await s.kazoo.devices(accountId);
    const macs = devices.map((d) => normalizeMac(d.mac_address));
    const keys = macs.filter((m): m is string => !!m).map((m) => `seen:${m}`);
    const seen = new Map<string, { ua?: string; at?: number }>();
    if (keys.length) {
      for (const row of (await s.app.stateDb.fetch({ keys })).rows as Array<{ doc?: any }>) {
        if (row.doc && row.doc.account_id === accountId) seen.set(row.doc.mac, row.doc.last || {});
      }
    }
    ok(ctx, devices.map((d, i) => {
      const mac = macs[i];
      const p = d.provision || {};
      const chosen = mac && p.endpoint_brand ? fw.choose(accountId, p.endpoint_brand, String(p.endpoint_family), String(p.endpoint_model), mac) : null;
      const last = mac ? seen.get(mac) : undefined;
      const reported = firmwareVersionOf(last?.ua);
      return { id: d._id, name: d.name, mac_address: mac, brand: p.endpoint_brand ?? null, family: p.endpoint_family ?? null,
        model: p.endpoint_model ?? null, reported_version: reported, reported_at: last?.at ?? null,
        assigned: chosen ? { firmware_id: chosen.id, version: chosen.version } : null,
        up_to_date: chosen ? reported === chosen.version : null };
    }).sort((a, b) => String(a.name).localeCompare(String(b.name))));
  });

  return router;
}

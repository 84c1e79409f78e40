// Resync now: start (one device, every device of a model, or the whole account), follow, resume,
// cancel. The throttled sending is server/resync/job.ts; what each phone fetched, status.ts.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, HttpError, notFound } from '../http/errors.js';
import { crossbarUrl } from '../kazoo/crossbar.js';
import { normalizeMac } from '../kazoo/mac.js';
import { FileResolver } from '../phones/files.js';
import { effectiveState, type ResyncItem } from '../resync/job.js';
import { jobStatus } from '../resync/status.js';
import type { Services } from '../services.js';
import { requireAccountAdmin, type Principal } from './auth.js';
import { templateOf } from './device-list.js';
import { ok } from './envelope.js';
import { accountParam } from './params.js';

const KAZOO_ID = /^[0-9a-f]{32}$/;

export function resyncRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api/accounts/:accountId/resync' });
  const resolver = new FileResolver(s.catalog);

  /** Only a Kazoo token can ask Kazoo to send the NOTIFY, and it is used as the operator's own. */
  const kazooCaller = (ctx: Context): { p: Principal; accountId: string } => {
    const accountId = accountParam(ctx);
    const p = requireAccountAdmin(s, ctx, accountId);
    crossbarUrl(s.app.config.kazooApiUrl);
    if (p.kind !== 'kazoo') throw new HttpError(403, 'forbidden', 'Kazoo sends the resync with your own Kazoo token; log in to Monster UI (or use a Kazoo token), not the provisioner admin token');
    return { p, accountId };
  };

  const show = async (ctx: Context, accountId: string, status = 200) => {
    const job = await s.resync.load(accountId);
    if (!job) throw notFound('no resync was started for this account; POST …/resync starts one');
    ok(ctx, await jobStatus(s, resolver, job), status);
  };

  router.post('/', auth, async (ctx) => {
    const { p, accountId } = kazooCaller(ctx);
    const data = (ctx.request.body as { data?: { device_id?: unknown; model?: unknown } } | undefined)?.data || {};
    if (data.device_id !== undefined && data.model !== undefined) throw badRequest('give device_id or model, not both (neither: the whole account)');
    let devices = await s.kazoo.devices(accountId);
    let scope: { kind: 'device' | 'model' | 'account'; device_id?: string; model?: string } = { kind: 'account' };
    if (data.device_id !== undefined) {
      if (typeof data.device_id !== 'string' || !KAZOO_ID.test(data.device_id)) throw badRequest('device_id must be a Kazoo device id (32 lowercase hex digits)', { field: 'device_id' });
      devices = devices.filter((d) => d._id === data.device_id);
      if (!devices.length) throw notFound(`this account has no device ${data.device_id}`);
      scope = { kind: 'device', device_id: data.device_id };
    } else if (data.model !== undefined) {
      const [b, f, m, ...rest] = typeof data.model === 'string' ? data.model.toLowerCase().split('/') : [];
      const t = b && f && m && !rest.length ? s.catalog.template(b, f, m) : undefined;
      if (!t) throw badRequest(`"${String(data.model).slice(0, 80)}" is not a model of the catalog; write brand/family/model (e.g. yealink/t4x/t46s)`, { field: 'model' });
      devices = devices.filter((d) => templateOf(s, d)?._id === t._id);
      if (!devices.length) throw notFound(`this account has no device of model ${data.model}`);
      scope = { kind: 'model', model: String(data.model).toLowerCase() };
    } else if (!devices.length) throw notFound('this account has no devices');
    const items: ResyncItem[] = devices.sort((a, b) => String(a.name).localeCompare(String(b.name))).map((d) => ({
      device_id: d._id, name: d.name, mac: normalizeMac(d.mac_address), brand: templateOf(s, d)?.endpoint_brand ?? null }));
    const started = await s.resync.start({ pvt_type: 'resync_job', job_id: randomBytes(8).toString('hex'), account_id: accountId, scope,
      created_at: s.app.now(), created_by: p.userId ?? null, per_minute: s.app.config.resyncPerMinute, items }, ctx.get('x-auth-token'));
    if (!started) throw conflict('a resync of this account is still running; wait for it (GET …/resync) or cancel it (DELETE …/resync)');
    s.app.log.info({ account_id: accountId, scope: scope.kind, phones: items.length }, 'resync started');
    await show(ctx, accountId, 202);
  });

  router.get('/', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    requireAccountAdmin(s, ctx, accountId);
    await show(ctx, accountId);
  });

  router.post('/resume', auth, async (ctx) => {
    const { accountId } = kazooCaller(ctx);
    const job = await s.resync.resume(accountId, ctx.get('x-auth-token'));
    if (job === null) throw notFound('no resync was started for this account');
    if (job === false) throw conflict('the resync is running on another instance; it goes on there');
    await show(ctx, accountId, effectiveState(job, s.app.now()) === 'running' ? 202 : 200);
  });

  router.delete('/', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    requireAccountAdmin(s, ctx, accountId);
    if (!(await s.resync.cancel(accountId))) throw notFound('no resync was started for this account');
    await show(ctx, accountId);
  });

  return router;
}

// The few crossbar resources the Monster app calls through self.callApi, answering as Kazoo's
// documentation describes them, from the Kazoo documents the test wrote into CouchDB:
//   GET   /v2/accounts/{A}                 account.get     (the doc without _rev/pvt_*, plus `id`)
//   POST  /v2/accounts/{A}                 account.update  (replaces the public part of the doc)
//   GET   /v2/accounts/{A}/devices         device.list     (crossbar_listing fields)
//   PUT   /v2/accounts/{A}/devices         device.create   (201; the doc with Kazoo's defaults, see createDevice)
//   GET   /v2/accounts/{A}/devices/{D}     device.get
//   PATCH /v2/accounts/{A}/devices/{D}     device.patch    (merges `data` into the doc)
//   DELETE /v2/accounts/{A}/devices/{D}    device.delete   (the deleted doc)
//   POST  /v2/accounts/{A}/devices/{D}/sync device.restart (200, data "sync request sent"; Kazoo then sends check-sync), recorded in `syncCalls`
//   GET   /v2/accounts/{A}/users           user.list       (crossbar_listing fields)
//   GET   /v2/accounts/{A}/users/{U}       user.get        (the doc without _rev/pvt_*, plus `id`)
//   GET   /v2/accounts/{A}/apps_store      appsStore.list  (the apps the test installs, see AppsStore)
//   GET   /v2/accounts/{A}/external_numbers, …/alerts, /v2/whitelabel/{domain}[/logo|/icon]: what Kazoo answers
//         when none are configured ([] and 404)
// A token may act in its own account only (enough for these tests). Any other route answers Kazoo's
// 404 envelope and is recorded in `unknownCrossbarRoutes`, so a test sees what Monster asked for.
import type { IncomingMessage } from 'node:http';
import type { CrossbarRoute } from '../fake-crossbar.js';
import { newId, type KazooFixture } from '../fixtures/kazoo.js';
import { kazooDeviceDoc } from '../../server/kazoo/docs.js';

type Doc = Record<string, any>;

const publicOf = (doc: Doc): Doc => {
  const out: Doc = { id: doc._id };
  for (const [k, v] of Object.entries(doc)) if (!k.startsWith('_') && !k.startsWith('pvt_')) out[k] = v;
  return out;
};

function merge(target: Doc, patch: Doc): Doc {
  for (const [k, v] of Object.entries(patch)) {
    target[k] = v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object' ? merge({ ...target[k] }, v) : v;
  }
  return target;
}

async function bodyOf(req: IncomingMessage): Promise<Doc> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const parsed = raw ? JSON.parse(raw) : {};
  const data = { ...(parsed.data || {}) };
  delete data.ui_metadata;
  return data;
}

const cleanMac = (mac: unknown) => (typeof mac === 'string' ? mac.toLowerCase().replace(/[^0-9a-f]/g, '') : '');

/**
 * cb_devices on PUT: `name` is required (schema), a MAC already on a device of the account is refused
 * ("MAC address already in use"; crossbar answers 400 "validation error"), and the stored document
 * is the request over Kazoo's defaults with the MAC cleansed (Kazoo 5) and the pvt_* fields.
 */
async function createDevice(kazoo: KazooFixture, accountId: string, data: Doc, devices: Doc[]) {
  const mac = cleanMac(data.mac_address);
  if (typeof data.name !== 'string' || !data.name || (mac && devices.some((d) => cleanMac(d.mac_address) === mac))) {
    return { status: 400, body: { message: 'validation error' } };
  }
  const base = kazooDeviceDoc({ id: newId(), accountId, name: data.name, username: data.sip?.username, password: data.sip?.password }, kazoo.prefix);
  const doc = merge(base, { ...data, ...(mac ? { mac_address: mac } : {}) });
  delete doc.id;
  await kazoo.server.use<Doc>(kazoo.accountDbName(accountId)).insert(doc);
  return { status: 201, body: publicOf(doc) };
}

/** Every device sync Kazoo was asked for, with when. */
export const syncCalls: Array<{ accountId: string; deviceId: string; at: number }> = [];
/** Every call the app made, for assertions ("PATCH accounts/…/devices/…"). */
export const crossbarCalls: string[] = [];
/** Routes the fake does not know (Monster asked; Kazoo's 404 went back). */
export const unknownCrossbarRoutes: string[] = [];

/** An apps_store entry as Kazoo lists it (cb_apps_store: the app doc's public fields). */
export interface StoreApp { id: string; name: string; i18n: Record<string, { label: string; description?: string }>;
  api_url?: string; source_url?: string; allowed_users: 'all' | 'admins' | 'specific'; users?: Array<{ id: string }>;
  masqueradable?: boolean; phase?: string; tags?: string[] }
export interface AppsStore { apps: StoreApp[] }

export function crossbarApi(kazoo: KazooFixture, store: AppsStore = { apps: [] }): CrossbarRoute {
  return async (req, url, crossbar) => {
    const path = url.pathname;
    if (/^\/v2\/whitelabel\/[^/]+(\/(logo|icon|welcome))?$/.test(path)) return { status: 404, body: { message: 'bad identifier' } };
    const listing = /^\/v2\/accounts\/([0-9a-f]{32})\/(apps_store|external_numbers|alerts)\/?$/.exec(path);
    if (listing && req.method === 'GET') {
      crossbarCalls.push(`GET ${path.slice(4)}`);
      if (!crossbar.grantOf(String(req.headers['x-auth-token'] || ''))) return { status: 401, body: { message: 'invalid_credentials' } };
      return { status: 200, body: listing[2] === 'apps_store' ? store.apps : [] };
    }
    const sync = /^\/v2\/accounts\/([0-9a-f]{32})\/devices\/([0-9a-f]{32})\/sync$/.exec(path);
    if (sync && req.method === 'POST') {
      crossbarCalls.push(`POST ${path.slice(4)}`);
      const grant = crossbar.grantOf(String(req.headers['x-auth-token'] || ''));
      if (!grant) return { status: 401, body: { message: 'invalid_credentials' } };
      if (grant.accountId !== sync[1]) return { status: 403, body: { message: 'forbidden' } };
      const doc = await kazoo.server.use<Doc>(kazoo.accountDbName(sync[1])).get(sync[2]).catch(() => null);
      if (!doc || doc.pvt_type !== 'device' || doc.pvt_deleted) return { status: 404, body: { message: 'bad identifier' } };
      syncCalls.push({ accountId: sync[1], deviceId: sync[2], at: Date.now() });
      return { status: 200, body: 'sync request sent' };
    }
    const m = /^\/v2\/accounts\/([0-9a-f]{32})(?:\/(devices|users)(?:\/([0-9a-f]{32}))?)?\/?$/.exec(path);
    if (!m) {
      unknownCrossbarRoutes.push(`${req.method} ${path.slice(4)}`);
      return { status: 404, body: { message: 'bad identifier' } };
    }
    const [, accountId, collection, id] = m;
    crossbarCalls.push(`${req.method} ${path.slice(4)}`);
    const grant = crossbar.grantOf(String(req.headers['x-auth-token'] || ''));
    if (!grant) return { status: 401, body: { message: 'invalid_credentials' } };
    if (grant.accountId !== accountId) return { status: 403, body: { message: 'forbidden' } };
    const db = kazoo.server.use<Doc>(kazoo.accountDbName(accountId));
    const byType = async (type: string) => (await db.list({ include_docs: true })).rows
      .map((r) => r.doc as Doc).filter((d) => d && d.pvt_type === type && !d.pvt_deleted);

    if (!collection) {
      const doc = await db.get(accountId);
      if (req.method === 'GET') return { status: 200, body: publicOf(doc) };
      if (req.method !== 'POST') return { status: 405, body: { message: 'method not allowed' } };
      const data = await bodyOf(req);
      delete data.id;
      const next: Doc = { _id: doc._id, _rev: doc._rev, ...data };
      for (const [k, v] of Object.entries(doc)) if (k.startsWith('pvt_')) next[k] = v;
      await db.insert(next);
      // Kazoo keeps the `accounts` database's copy in step.
      await kazoo.put(kazoo.prefix + 'accounts', { ...next, _rev: undefined });
      return { status: 200, body: publicOf(next) };
    }
    if (collection === 'users' && !id && req.method === 'GET') {
      return { status: 200, body: (await byType('user')).map((u) => ({ id: u._id, first_name: u.first_name, last_name: u.last_name,
        username: u.username, email: u.email, priv_level: u.priv_level, presence_id: u.presence_id, features: [] })) };
    }
    if (collection === 'users' && id && req.method === 'GET') {
      const doc = await db.get(id).catch(() => null);
      if (!doc || doc.pvt_type !== 'user' || doc.pvt_deleted) return { status: 404, body: { message: 'bad identifier' } };
      return { status: 200, body: publicOf(doc) };
    }
    if (collection === 'devices' && !id && req.method === 'GET') {
      return { status: 200, body: (await byType('device')).map((d) => ({ id: d._id, name: d.name, username: d.sip?.username,
        mac_address: d.mac_address || '', owner_id: d.owner_id, enabled: d.enabled !== false, device_type: d.device_type || 'sip_device',
        flags: [] })) };
    }
    if (collection === 'devices' && !id && req.method === 'PUT') return createDevice(kazoo, accountId, await bodyOf(req), await byType('device'));
    if (collection === 'devices' && id) {
      const doc = await db.get(id).catch(() => null);
      if (!doc || doc.pvt_type !== 'device') return { status: 404, body: { message: 'bad identifier' } };
      if (req.method === 'GET') return { status: 200, body: publicOf(doc) };
      if (req.method === 'DELETE') {
        // cb_devices soft-deletes: the doc stays with pvt_deleted and leaves every listing.
        await db.insert({ ...doc, pvt_deleted: true });
        return { status: 200, body: publicOf(doc) };
      }
      if (req.method === 'PATCH') {
        const next = merge({ ...doc }, await bodyOf(req));
        await db.insert(next);
        return { status: 200, body: publicOf(next) };
      }
    }
    return { status: 405, body: { message: 'method not allowed' } };
  };
}

import { expect } from 'chai';
import { newId, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';
import { devicePush, startWorld, type World } from './kazoo-tenants.js';

type Who = keyof World['tokens'] | 'none';

describe('Kazoo-facing API', () => {
  let w: World;
  before(async () => { w = await startWorld(); });
  after(async () => { await w?.close(); });

  const tokenOf = (who: Who) => (who === 'none' ? undefined : w.tokens[who]);

  describe('who may call what', () => {
    // Expected status per caller, for the calls crossbar makes on behalf of a Monster UI user.
    const ADMIN_ONLY: Record<Who, number> = { superadmin: 200, accountAdmin: 200, resellerAdmin: 200, apiKey: 200,
      user: 403, otherAdmin: 403, none: 401, unknown: 401, expired: 401 };
    const calls: Array<[string, string, (w: World, mac: string) => string, unknown?]> = [
      ['POST', 'devices/{a}/{mac}', (x, mac) => `devices/${x.account}/${mac}`, devicePush('Matrix phone')],
      ['DELETE', 'devices/{a}/{mac}', (x, mac) => `devices/${x.account}/${mac}`],
      ['POST', 'accounts/{a}', (x) => `accounts/${x.account}`, { create_if_missing: true, merge: true, data: { settings: {} } }],
      ['DELETE', 'accounts/{a}', (x) => `accounts/${x.account}`],
    ];
    for (const [method, label, path, body] of calls) {
      for (const [who, status] of Object.entries(ADMIN_ONLY) as Array<[Who, number]>) {
        it(`${method} ${label} as ${who} → ${status}`, async () => {
          const res = await w.call(method, path(w, newMac()), tokenOf(who), body);
          expect(res.status, res.text).to.equal(status);
          expect(res.json.status).to.equal(status === 200 ? 'success' : 'error');
          if (status === 403) expect(res.json.error).to.equal('forbidden');
          if (status === 401) expect(res.json.error).to.equal('invalid_credentials');
        });
      }
    }
    // Crossbar asks with the token of whoever saves a device, so any good token may ask.
    for (const [who, status] of Object.entries({ superadmin: 404, accountAdmin: 404, resellerAdmin: 404, apiKey: 404,
      user: 404, otherAdmin: 404, none: 401, unknown: 401, expired: 401 }) as Array<[Who, number]>) {
      it(`GET devices/search/{mac} as ${who} → ${status}`, async () => {
        const res = await w.call('GET', `devices/search/${newMac()}`, tokenOf(who));
        expect(res.status, res.text).to.equal(status);
      });
    }

    it('rejects a malformed MAC or account id with 400, before anything else', async () => {
      for (const path of ['devices/search/805ec0a1b2', 'devices/search/zz5ec0a1b2c3', `devices/${w.account}/805ec0a1b2c3d4`,
        'devices/not-an-account/805ec0a1b2c3', 'accounts/ABC']) {
        const method = path.startsWith('devices/search') ? 'GET' : 'POST';
        const res = await w.call(method, path, w.tokens.superadmin, method === 'GET' ? undefined : devicePush('x'));
        expect(res.status, path).to.equal(400);
        expect(res.json).to.include({ status: 'error', error: 'bad_request' });
      }
    });

    it('rejects a push whose data is not an object', async () => {
      const res = await w.call('POST', `devices/${w.account}/${newMac()}`, w.tokens.superadmin, { data: ['x'] });
      expect(res.status).to.equal(400);
    });

    it('answers a browser preflight with 204, the allowed headers and no credentials', async () => {
      const res = await http(`${w.srv.url}/api/devices/${w.account}/805ec0a1b2c3`, { method: 'OPTIONS', headers: {
        origin: 'https://monster.example.com', 'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-auth-token, x-kazoo-cluster-id' } });
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal('*');
      const allowed = (res.headers.get('access-control-allow-headers') || '').toLowerCase();
      for (const h of ['content-type', 'x-auth-token', 'x-kazoo-cluster-id']) expect(allowed).to.include(h);
      expect((res.headers.get('access-control-allow-methods') || '')).to.include('DELETE');
      expect(res.headers.get('access-control-allow-credentials')).to.equal(null);
    });
  });

  describe('pushes and the MAC search', () => {
    const search = (mac: string, who: Who = 'accountAdmin') => w.call('GET', `devices/search/${mac}`, tokenOf(who));

    it('follows a device through create, update, MAC change and delete, answering at once after each push', async () => {
      const mac = newMac();
      const colon = mac.toUpperCase().match(/../g)!.join(':');
      expect((await search(mac)).status).to.equal(404);

      // Create: Kazoo saves the device, then pushes it (MAC in any form).
      const dev = await w.kazoo.device(w.account, { mac, name: 'Front desk', brand: 'yealink', family: 't4x', model: 't46s' });
      let res = await w.call('POST', `devices/${w.account}/${colon}`, w.tokens.accountAdmin, devicePush('Front desk'));
      expect(res.status, res.text).to.equal(200);
      expect(res.json.data).to.include({ account_id: w.account, mac_address: mac, brand: 'yealink', source: 'kazoo' });
      expect(JSON.stringify(res.json)).not.to.include('pushed-secret');
      res = await search(colon);
      expect(res.status).to.equal(200);
      expect(res.json.data).to.include({ account_id: w.account, mac_address: mac });

      // Update (same MAC).
      await w.kazoo.update(w.account, dev._id, (d) => { d.name = 'Reception'; });
      expect((await w.call('POST', `devices/${w.account}/${mac}`, w.tokens.accountAdmin, devicePush('Reception'))).status).to.equal(200);
      expect((await search(mac)).status).to.equal(200);

      // MAC change: Kazoo deletes the old MAC, then pushes the new one.
      const newer = newMac();
      await w.kazoo.update(w.account, dev._id, (d) => { d.mac_address = newer; });
      expect((await w.call('DELETE', `devices/${w.account}/${mac}`, w.tokens.accountAdmin)).status).to.equal(200);
      expect((await search(mac)).status).to.equal(404);
      expect((await w.call('POST', `devices/${w.account}/${newer}`, w.tokens.accountAdmin, devicePush('Reception'))).status).to.equal(200);
      expect((await search(newer)).status).to.equal(200);

      // Delete.
      await w.kazoo.remove(w.account, dev._id);
      expect((await w.call('DELETE', `devices/${w.account}/${newer}`, w.tokens.resellerAdmin)).status).to.equal(200);
      expect((await search(newer)).status).to.equal(404);
      expect((await search(mac)).status).to.equal(404);
    });

    it('shows the owning account only to its admins; other callers learn just "in use"', async () => {
      const mac = newMac();
      await w.kazoo.device(w.account, { mac });
      await w.call('POST', `devices/${w.account}/${mac}`, w.tokens.superadmin, devicePush('x'));
      for (const who of ['accountAdmin', 'resellerAdmin', 'superadmin', 'apiKey'] as Who[]) {
        expect((await search(mac, who)).json.data.account_id, who).to.equal(w.account);
      }
      for (const who of ['otherAdmin', 'user'] as Who[]) {
        const res = await search(mac, who);
        expect(res.status, who).to.equal(200);
        expect(res.json.data).to.include({ account_id: 'hidden', in_use: true });
      }
    });
  });

  describe('account delete', () => {
    it('leaves nothing of the account in our state database, and touches no other account', async () => {
      const db = w.srv.app.stateDb;
      const mac = newMac();
      await w.kazoo.device(w.account, { mac });
      await w.call('POST', `devices/${w.account}/${mac}`, w.tokens.accountAdmin, devicePush('x'));
      const secrets = ['lock', 'device_credentials', 'sessiontalk_activation', 'sessiontalk_code'].map((t) => ({
        _id: `${t}:${newId()}`, pvt_type: t, account_id: w.account, secret: 'must-go' }));
      await db.bulk({ docs: [...secrets, { _id: `lock:${newId()}`, pvt_type: 'lock', account_id: w.other, secret: 'stays' }] });
      const forAccount = async (id: string) => (await db.view('state', 'by_account', { startkey: [id], endkey: [id, {}] })).rows;
      expect((await forAccount(w.account)).length).to.be.at.least(4);

      const res = await w.call('DELETE', `accounts/${w.account}`, w.tokens.resellerAdmin);
      expect(res.status, res.text).to.equal(200);
      expect(res.json.data.removed).to.be.at.least(4);
      expect(await forAccount(w.account)).to.deep.equal([]);
      expect((await forAccount(w.other)).filter((r) => r.key[1] === 'lock')).to.have.length(1);
      const all = await db.list({ include_docs: true });
      const leftovers = all.rows.filter((r: any) => JSON.stringify(r.doc).includes(w.account));
      expect(leftovers.map((r) => r.id)).to.deep.equal([]);
      expect((await w.call('GET', `devices/search/${mac}`, w.tokens.superadmin)).status).to.equal(404);
    });

    it("lets the reseller delete a sub-account Kazoo has already removed from its accounts database", async () => {
      const sub = await w.kazoo.account({ name: 'Short-lived', tree: [w.reseller] });
      await waitFor(async () => w.srv.services.kazoo.account(sub._id), 5000, 'the directory to see the new account');
      const accounts = w.kazoo.server.use<any>(`${w.prefix}accounts`);
      const doc = await accounts.get(sub._id);
      await accounts.destroy(sub._id, doc._rev);
      await waitFor(async () => !w.srv.services.kazoo.account(sub._id), 5000, 'the directory to drop the account');
      expect((await w.call('DELETE', `accounts/${sub._id}`, w.tokens.otherAdmin)).status).to.equal(403);
      expect((await w.call('DELETE', `accounts/${sub._id}`, w.tokens.resellerAdmin)).status).to.equal(200);
    });

    it('lets the reseller push a sub-account created a moment ago (before the change feed brings it)', async () => {
      const fresh = await w.kazoo.account({ name: 'Brand new', tree: [w.reseller] });
      const res = await w.call('POST', `accounts/${fresh._id}`, w.tokens.resellerAdmin, { create_if_missing: true, data: { settings: {} } });
      expect(res.status, res.text).to.equal(200);
    });
  });
});

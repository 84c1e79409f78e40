import { expect } from 'chai';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { runEnv, startTestServer, testConfig } from './harness.js';
import { http, runTs, waitFor } from './support.js';

describe('rebuilding the MAC index', function () {
  this.timeout(60000);

  it('npm run reconcile restores a damaged index: missing entries back, stale ones gone, checkpoints reset', async () => {
    const prefix = testConfig().dbPrefix;
    const srv = await startTestServer({ dbPrefix: prefix, kazooDbPrefix: prefix, indexIntervalMs: 200 } as never);
    try {
      const k = new KazooFixture(prefix);
      const account = await k.account({ provision: { provision_enabled: true } });
      const mac = newMac('805ec0');
      await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      const url = `${srv.url}/prov/yealink/${mac}.cfg`;
      await waitFor(async () => (await http(url)).status === 200, 5000, 'served');
      // Damage: the real entry deleted, a stale one invented, the checkpoint moved past everything.
      const db = srv.app.stateDb;
      const real = await db.get(`mac:${mac}`);
      await db.destroy(real._id, real._rev);
      await db.insert({ _id: 'mac:0004f2000001', pvt_type: 'mac_index', mac: '0004f2000001', account_ids: [account._id],
        entries: [{ account_id: account._id, device_id: 'gone', rev: '1-x', created: 0 }] });
      await waitFor(async () => (await http(url)).status === 404, 5000, 'index damage seen');
      const res = await runTs('server/kazoo/reconcile-cli.ts', [], { COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: prefix, KAZOO_DB_PREFIX: prefix });
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).to.match(/index entries created: 1, updated: 0, removed: 1/);
      await waitFor(async () => (await http(url)).status === 200, 5000, 'served again');
      expect(srv.services.macIndex.lookup('0004f2000001').kind).to.equal('none');
      // A second run finds nothing to do.
      const again = await runTs('server/kazoo/reconcile-cli.ts', [], { COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: prefix, KAZOO_DB_PREFIX: prefix });
      expect(again.stdout).to.match(/created: 0, updated: 0, removed: 0/);
    } finally {
      await srv.close();
    }
  });

  it('POST /api/reconcile does the same on a running server, for the super-admin only', async () => {
    const srv = await startTestServer({ indexIntervalMs: 60000 } as never);
    try {
      const k = new KazooFixture(srv.app.config.kazooDbPrefix);
      const account = await k.account({ provision: { provision_enabled: true } });
      await waitFor(async () => srv.services.kazoo.account(account._id), 5000, 'account known');
      const mac = newMac('805ec0');
      await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      const call = (token?: string) => http(`${srv.url}/api/reconcile`, { method: 'POST', headers: token ? { 'x-auth-token': token } : {} });
      expect((await call()).status).to.equal(401);
      const res = await call(srv.app.config.adminToken!);
      expect(res.status).to.equal(200);
      expect(res.json.data).to.include({ devices: 1 });
      expect((await http(`${srv.url}/prov/yealink/${mac}.cfg`)).status).to.equal(200);
    } finally {
      await srv.close();
    }
  });

  it('a rebuild asked of an instance that has not heard of an account yet keeps that account\'s phones', async () => {
    const srv = await startTestServer({ indexIntervalMs: 60000 } as never);
    try {
      const k = new KazooFixture(srv.app.config.kazooDbPrefix);
      const account = await k.account({ provision: { provision_enabled: true } });
      const macs = [newMac('805ec0'), newMac('805ec0'), newMac('805ec0')];
      for (const mac of macs) await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      await waitFor(async () => (await http(`${srv.url}/prov/yealink/${macs[2]}.cfg`)).status === 200, 10000, 'served');
      // As right after a start, before the accounts feed has brought the account: this instance knows none.
      srv.services.kazoo.apply(account._id, null, false);
      expect(srv.services.kazoo.accountIds()).to.not.include(account._id);
      const res = await http(`${srv.url}/api/reconcile`, { method: 'POST', headers: { 'x-auth-token': srv.app.config.adminToken! } });
      expect(res.status, res.text).to.equal(200);
      expect(res.json.data).to.include({ accounts: 1, devices: 3, removed: 0 });
      for (const mac of macs) expect((await srv.app.stateDb.get(`mac:${mac}`)).entries[0].account_id).to.equal(account._id);
      expect(srv.services.kazoo.accountIds()).to.include(account._id);
    } finally {
      await srv.close();
    }
  });

  it('rebuilds asked of two instances at once all answer 200 and agree on the index', async () => {
    const prefix = testConfig().dbPrefix;
    const a = await startTestServer({ dbPrefix: prefix, kazooDbPrefix: prefix, indexIntervalMs: 200 } as never);
    const b = await startTestServer({ dbPrefix: prefix, kazooDbPrefix: prefix, indexIntervalMs: 200 } as never);
    try {
      const k = new KazooFixture(prefix);
      const account = await k.account({ provision: { provision_enabled: true } });
      const macs = Array.from({ length: 20 }, () => newMac('805ec0'));
      for (const mac of macs) await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      await waitFor(async () => (await http(`${b.url}/prov/yealink/${macs[19]}.cfg`)).status === 200, 10000, 'served');
      // Half the entries deleted, so every rebuild has writes that the others and the sweeps race with.
      for (const mac of macs.slice(0, 10)) {
        const doc = await a.app.stateDb.get(`mac:${mac}`);
        await a.app.stateDb.destroy(doc._id, doc._rev);
      }
      const token = a.app.config.adminToken!;
      const calls = [a, b, a, b, a, b].map((srv) => http(`${srv.url}/api/reconcile`, { method: 'POST', headers: { 'x-auth-token': token } }));
      const results = await Promise.all(calls);
      expect(results.map((r) => r.status), JSON.stringify(results.map((r) => r.json))).to.deep.equal([200, 200, 200, 200, 200, 200]);
      for (const mac of macs) {
        for (const srv of [a, b]) await waitFor(async () => (await http(`${srv.url}/prov/yealink/${mac}.cfg`)).status === 200, 5000, `${mac} served`);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});

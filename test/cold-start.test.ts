// A power cut: the phones and our server restart together. Every phone's lock and credentials, and
// what each last fetched, were preloaded at start, and the first phone of an account reads the whole
// account in, so the office's other phones cost no CouchDB request at all. Counted with the server's own CouchDB request counter.
import { expect } from 'chai';
import { runEnv, testConfig, testLog } from './harness.js';
import { KazooFixture, newId, newMac } from './fixtures/kazoo.js';
import { kazooDeviceDoc } from '../server/kazoo/docs.js';
import { couchRequests } from './support.js';
import { startServer } from '../server/server.js';
import { phoneGet } from './security-client.js';

const PASS = 'cold-start-pass-4f1e';


describe('cold start: a power cut, and a first index build', function () {
  this.timeout(60000);

  it('serves an office of ten known phones with two CouchDB reads in all', async () => {
    // No sweep during the measurement: it reads every account database on its own schedule.
    const cfg = testConfig({ indexIntervalMs: 600_000 });
    const k = new KazooFixture(cfg.kazooDbPrefix);
    const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
    const owner = await k.user(account._id, { first: 'Office', last: 'Owner', presenceId: '2001' });
    const phones: Array<{ mac: string; password: string; path: string }> = [];
    for (let i = 0; i < 10; i++) {
      const mac = newMac('805ec0');
      const d = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s', ownerId: owner._id });
      phones.push({ mac, password: d.sip.password as string, path: `/prov/yealink/${mac}.cfg?pass=${PASS}` });
    }
    let srv = await startServer(cfg, runEnv().couchUrl, testLog);
    try {
      await srv.services.macIndex.firstSweep;
      // First contact: each phone gets its lock and credentials written.
      for (const p of phones) expect((await phoneGet(`${srv.url}${p.path}`, { ip: '127.0.0.61' })).status).to.equal(200);
      await srv.services.sightings.flush();
    } finally {
      await srv.close();
    }
    srv = await startServer(cfg, runEnv().couchUrl, testLog);
    try {
      await Promise.all([srv.services.macIndex.firstSweep, srv.services.preloaded]);
      const before = await couchRequests(srv);
      const bodies = await Promise.all(phones.map((p) => phoneGet(`${srv.url}${p.path}`, { ip: '127.0.0.61' })));
      // The same files as before the cut: the fetch history has nothing to record, and knows it
      // without reading each phone's record.
      await srv.services.fetchHistory.flush();
      const after = await couchRequests(srv);
      bodies.forEach((r, i) => {
        expect(r.status).to.equal(200);
        expect(r.text).to.include(phones[i].password);
        expect(r.text).to.include('Office Owner');
      });
      // One read for the account and its phones, one for their users; none for locks, credentials or
      // fetch records (before: about three per phone, and one read of the ten fetch records).
      expect(after - before, 'CouchDB requests for ten phones').to.be.at.most(2);
      // Their sightings are written in one batch: a read of the ten records and one write, and no
      // count of unknown MACs (a view query, which has CouchDB index in the middle of the storm).
      await srv.services.sightings.flush();
      expect(await couchRequests(srv) - after, 'CouchDB requests to record ten known phones\' sightings').to.equal(2);
      // The locks pinned above are enforced from the preload: another IP is refused.
      expect((await phoneGet(`${srv.url}${phones[0].path}`, { ip: '127.0.0.62' })).status).to.equal(404);
    } finally {
      await srv.close();
    }
  });

  it('indexes an account of 300 new phones in a handful of CouchDB requests, not two per phone', async () => {
    const cfg = testConfig({ indexIntervalMs: 600_000 });
    const k = new KazooFixture(cfg.kazooDbPrefix);
    const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
    const srv = await startServer(cfg, runEnv().couchUrl, testLog);
    try {
      await srv.services.macIndex.firstSweep;
      const macs = Array.from({ length: 300 }, () => newMac('805ec0'));
      await k.server.use(k.accountDbName(account._id)).bulk({ docs: macs.map((mac, i) => kazooDeviceDoc({ id: newId(), accountId: account._id,
        name: `P${i}`, mac, username: `user_${i}`, password: `pw-${i}-${mac}`, brand: 'yealink', family: 't4x', model: 't46s' }, cfg.kazooDbPrefix)) });
      const before = await couchRequests(srv);
      await srv.services.macIndex.catchUp(account._id);
      const after = await couchRequests(srv);
      expect(macs.every((m) => srv.services.macIndex.lookup(m).kind === 'devices')).to.equal(true);
      expect(after - before, 'CouchDB requests to index 300 phones').to.be.at.most(10);
      // And the entries are in CouchDB, for every other instance and the next start.
      const stored = await srv.app.stateDb.fetch({ keys: macs.map((m) => `mac:${m}`) });
      expect(stored.rows.filter((r) => (r as { doc?: unknown }).doc)).to.have.length(300);
    } finally {
      await srv.close();
    }
  });
});

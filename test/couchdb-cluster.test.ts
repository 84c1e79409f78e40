// A real three-node Apache CouchDB 3.5 cluster (n=3, q=2), started from shared/couchdb/, under two
// server instances: phones are served and device changes reach them while the node both instances
// prefer is SIGKILLed, and after it returns; what was written meanwhile (a lock, a sighting, a mobile
// activation) is kept; the file served during the outage is byte-identical to the one before.
// The figures (fetches, errors, latencies, propagation times) are printed for the closing notes.
// Phones call from 127.0.0.7x here: other files count refusals per source address in the shared log.
import { expect } from 'chai';
import type { Config } from '../config.js';
import { startServer, type RunningServer } from '../server/server.js';
import { apacheTestsSkipped, startCouchCluster, type CouchCluster } from './apache-couchdb.js';
import { testConfig, testLog } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';
import { phoneGet } from './security-client.js';
import { sessiontalkDriver } from './sessiontalk-driver.js';

const PASS = 'cluster-url-pass-31c9';
const PHONE_IP = '127.0.0.71';

const macOf = (d: Record<string, unknown>) => String(d.mac_address);

interface Fetch { at: number; status: number; ms: number }

describe('a three-node Apache CouchDB cluster losing a node (SIGKILL)', function () {
  this.timeout(300000);
  let cluster: CouchCluster;
  let cfg: Config;
  let a: RunningServer;
  let b: RunningServer;
  let k: KazooFixture;

  before(async function () {
    if (apacheTestsSkipped()) this.skip(); // a developer's explicit opt-out; CI never sets it
    const t0 = Date.now();
    cluster = await startCouchCluster();
    console.log(`      cluster formed in ${((Date.now() - t0) / 1000).toFixed(1)} s on ports ${cluster.ports.join(', ')}`);
    // Every node in the list, node 1 first: both instances prefer the node that will be killed.
    const nodes = cluster.urls.join(', ');
    cfg = { ...testConfig({ indexIntervalMs: 200 }), couchdbUrl: nodes, kazooCouchdbUrl: nodes };
    [a, b] = await Promise.all([startServer({ ...cfg }, nodes, testLog), startServer({ ...cfg }, nodes, testLog)]);
    // Kazoo writes through node 2, as another Kazoo server of the cluster would.
    k = new KazooFixture(cfg.kazooDbPrefix, cluster.urls[1]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.stop();
  });

  const fetchPhone = (srv: RunningServer, mac: string, ip = PHONE_IP) =>
    phoneGet(`${srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`, { ip });
  const servedWith = async (mac: string, text: string, what: string) => {
    const t = Date.now();
    for (const srv of [a, b]) {
      await waitFor(async () => {
        const r = await fetchPhone(srv, mac);
        return r.status === 200 && r.text.includes(text);
      }, 30000, `${what} from ${srv.url}`);
    }
    return Date.now() - t;
  };

  it('keeps serving, follows device changes, keeps the writes made meanwhile, and serves the same bytes', async () => {
    const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
    const phones = [];
    for (let i = 0; i < 4; i++) phones.push(await k.device(account._id, { mac: newMac('805ec0'), brand: 'yealink', family: 't4x', model: 't46s' }));
    for (const d of phones) await servedWith(macOf(d), d.sip.password, 'first config');
    const before = await fetchPhone(a, macOf(phones[0]));
    expect(before.status).to.equal(200);

    // Phones keep fetching through both instances for the whole test, as an office would.
    const fetches: Fetch[] = [];
    let running = true;
    const office = (async () => {
      for (let i = 0; running; i++) {
        const srv = i % 2 ? b : a;
        const r = await fetchPhone(srv, macOf(phones[i % phones.length]));
        fetches.push({ at: Date.now(), status: r.status, ms: r.ms });
        await new Promise((res) => setTimeout(res, 25));
      }
    })();

    // Node 1 dies the hard way.
    const killedAt = Date.now();
    await cluster.kill(1);

    // The file served during the outage is the file served before, byte for byte, from both.
    for (const srv of [a, b]) {
      const during = await fetchPhone(srv, macOf(phones[0]));
      expect(during.status).to.equal(200);
      expect(during.text).to.equal(before.text);
      expect(during.headers.etag).to.equal(before.headers.etag);
    }
    // A device change during the outage reaches the phone through the surviving nodes.
    await k.update(account._id, phones[1]._id, (doc) => { doc.sip.password = 'changed-while-node1-is-dead'; });
    const changeDuringMs = await servedWith(macOf(phones[1]), 'changed-while-node1-is-dead', 'a change during the outage');

    // Writes during the outage: a new phone's first contact pins it (a lock), an unknown MAC is
    // sighted, and a mobile app is activated.
    const newcomer = await k.device(account._id, { mac: newMac('805ec0'), brand: 'yealink', family: 't4x', model: 't46s' });
    await servedWith(macOf(newcomer), newcomer.sip.password, 'a new phone during the outage');
    const stranger = newMac('805ec0');
    expect((await fetchPhone(a, stranger, '127.0.0.72')).status).to.be.oneOf([401, 404]);
    const st = sessiontalkDriver(() => b, () => k, new Set());
    const tenant = await st.tenant({ move_policy: 'deny' });
    const mobile = await st.device(tenant);
    const code = await st.mint(tenant, mobile._id);
    const scan = await st.scan(code, st.install());
    expect(scan.json.errmsg, scan.text).to.equal('Valid Activation');
    // Sightings are written a second after they happen: let that write land during the outage too.
    await new Promise((r) => setTimeout(r, 2500));
    const outageMs = Date.now() - killedAt;

    // Node 1 comes back on its own data.
    const restartAt = Date.now();
    await cluster.restart(1);
    const restartMs = Date.now() - restartAt;
    await waitFor(async () => a.app.couch.nodes()[0].up && b.app.couch.nodes()[0].up, 30000, 'both instances to use node 1 again');
    await k.update(account._id, phones[2]._id, (doc) => { doc.sip.password = 'changed-after-node1-returned'; });
    const changeAfterMs = await servedWith(macOf(phones[2]), 'changed-after-node1-returned', 'a change after the return');
    running = false;
    await office;

    // Nothing written during the outage is lost: a third instance, started now on node 1 alone,
    // reads it all from CouchDB.
    const c = await startServer({ ...cfg, couchdbUrl: cluster.urls[0], kazooCouchdbUrl: cluster.urls[0] }, cluster.urls[0], testLog);
    try {
      expect((await fetchPhone(c, macOf(newcomer), '127.0.0.73')).status, 'the lock made during the outage').to.equal(404);
      expect((await fetchPhone(c, macOf(newcomer))).status).to.equal(200);
      const unknown = await http(`${c.url}/api/unknown-macs`, { headers: { 'x-auth-token': cfg.adminToken! } });
      expect(unknown.status, unknown.text).to.equal(200);
      expect(unknown.json.data.map((u: { mac: string }) => u.mac), 'the sighting made during the outage').to.include(stranger);
      const acts = await http(`${c.url}/api/accounts/${tenant.id}/sessiontalk/activations`, { headers: { 'x-auth-token': cfg.adminToken! } });
      expect(acts.json.data, 'the activation made during the outage').to.have.length(1);
    } finally {
      await c.close();
    }

    const during = fetches.filter((f) => f.at >= killedAt && f.at <= killedAt + outageMs);
    const failed = fetches.filter((f) => f.status !== 200);
    const ms = during.map((f) => f.ms).sort((x, y) => x - y);
    const pct = (p: number) => ms[Math.min(ms.length - 1, Math.floor(ms.length * p))];
    console.log(`      outage ${(outageMs / 1000).toFixed(1)} s; node 1 back in ${(restartMs / 1000).toFixed(1)} s; ` +
      `${fetches.length} phone fetches (${during.length} during the outage), ${failed.length} not 200; ` +
      `during the outage p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${ms[ms.length - 1]} ms; ` +
      `device change reached both instances in ${changeDuringMs} ms during the outage, ${changeAfterMs} ms after the return`);
    expect(failed, 'phone fetches that were not served').to.deep.equal([]);
    expect(during.length).to.be.above(10);
  });
});

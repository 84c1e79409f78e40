// How the MAC index learns of device changes. On Apache CouchDB it follows _db_updates and reads only
// the account databases that changed; on the embedded server (no _db_updates) it sweeps them all.
// The full sweep's interval is set to a minute here, so a change that arrives sooner came by the feed.
import { expect } from 'chai';
import type { RunningServer } from '../server/server.js';
import { runEnv, startTestServer } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';

const PASS = 'db-updates-pass-5e1f';

describe('following Kazoo’s account databases', function () {
  this.timeout(120000);
  let srv: RunningServer;
  let k: KazooFixture;
  const apache = () => runEnv().embedded === null;

  before(async () => {
    srv = await startTestServer({ indexIntervalMs: 60000, indexFullSweepMs: 60000 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv?.close(); });

  it('follows _db_updates on Apache CouchDB and sweeps on the embedded server', () => {
    expect(srv.services.macIndex.mode).to.equal(apache() ? 'db_updates' : 'sweep');
  });

  // Only where there is a _db_updates feed (npm run test:couchdb); the sweep is test/phones.test.ts's.
  if (process.env.COUCHDB_URL) it('reads only the account database that changed, and the change reaches the phone', async () => {
    const accounts: Array<{ _id: string }> = [];
    for (let i = 0; i < 12; i++) accounts.push(await k.account({ provision: { provision_enabled: true, urlpass: PASS } }));
    const target = accounts[7];
    await waitFor(async () => accounts.every((a) => srv.services.kazoo.account(a._id)), 10000, 'the accounts in the directory');
    await srv.services.macIndex.firstSweep;
    // Count which account databases the index reads from now on.
    const reads: string[] = [];
    const index = srv.services.macIndex as unknown as { catchUp(id: string): Promise<void> };
    const original = index.catchUp.bind(index);
    index.catchUp = async (id: string) => { reads.push(id); return original(id); };
    await new Promise((r) => setTimeout(r, 1500)); // let the account creations' own updates pass
    reads.length = 0;

    const mac = newMac('805ec0');
    const d = await k.device(target._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    const url = `${srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`;
    await waitFor(async () => {
      const r = await http(url);
      return r.status === 200 && r.text.includes(d.sip.password);
    }, 10000, 'the new device served without a sweep');
    await k.update(target._id, d._id, (doc) => { doc.sip.password = 'changed-by-db-updates'; });
    await waitFor(async () => (await http(url)).text.includes('changed-by-db-updates'), 10000, 'the change served without a sweep');
    expect(new Set(reads), 'account databases read').to.deep.equal(new Set([target._id]));
  });
});

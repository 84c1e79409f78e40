// Resync now through the HTTP API, with Kazoo's crossbar faked as Kazoo documents
// `POST /v2/accounts/{A}/devices/{D}/sync` (test/browser/crossbar-api.ts): scope, throttle, who may,
// which phones fetched the new file, and no phone told twice when another runner takes the job over.
import { expect } from 'chai';
import { crossbarApi, syncCalls } from './browser/crossbar-api.js';
import { newId, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { LEASE_MS, ResyncRunner } from '../server/resync/job.js';

const PASS = 'resync-url-pass-4Kd9';
const PER_MINUTE = 120;

describe('resync now', function () {
  this.timeout(60000);
  let w: World;
  const phones: Array<{ id: string; mac: string }> = [];
  let other: { id: string; mac: string };
  before(async () => {
    w = await startWorld({ resyncPerMinute: PER_MINUTE, indexIntervalMs: 200 });
    w.crossbar.route = crossbarApi(w.kazoo);
    await w.kazoo.account({ id: w.account, name: 'Customer', tree: [w.reseller], provision: { provision_enabled: true, urlpass: PASS } });
    for (const name of ['Desk A', 'Desk B', 'Desk C']) {
      const mac = newMac();
      phones.push({ id: (await w.kazoo.device(w.account, { name, mac, brand: 'yealink', family: 't4x', model: 't46s' }))._id, mac });
    }
    const mac = newMac();
    other = { id: (await w.kazoo.device(w.account, { name: 'Desk D', mac, brand: 'yealink', family: 't4x', model: 't42s' }))._id, mac };
    await waitFor(async () => [...phones, other].every((p) => w.srv.services.macIndex.lookup(p.mac).kind === 'devices'), 10000, 'phones indexed');
    await waitFor(async () => w.srv.services.kazoo.account(w.account)?.provision?.urlpass === PASS, 10000, 'account provisioning settings');
  });
  after(async () => { await w?.close(); });

  const fetchFile = async (mac: string) => {
    const r = await http(`${w.srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`);
    expect(r.status, r.text).to.equal(200);
    return r.headers.get('etag');
  };
  const status = async () => (await w.call('GET', `accounts/${w.account}/resync`, w.tokens.accountAdmin)).json.data;
  const itemOf = (st: any, id: string) => st.items.find((i: { device_id: string }) => i.device_id === id);

  it('refuses what it cannot do with a message, and starts nothing', async () => {
    const start = (data: unknown, token = w.tokens.accountAdmin) => w.call('POST', `accounts/${w.account}/resync`, token, { data });
    expect((await w.call('GET', `accounts/${w.account}/resync`, w.tokens.accountAdmin)).status).to.equal(404);
    const bad = await start({ model: 'yealink/t4x/t99' });
    expect(bad.status).to.equal(400);
    expect(bad.json.message).to.match(/not a model of the catalog; write brand\/family\/model/);
    expect((await start({ device_id: 'nope' })).status).to.equal(400);
    const ghost = newId();
    const missing = await start({ device_id: ghost });
    expect(missing.status).to.equal(404);
    expect(missing.json.message).to.include(ghost);
    expect((await start({ device_id: phones[0].id, model: 'yealink/t4x/t46s' })).status).to.equal(400);
    expect((await start({ model: 'yealink/t4x/t48s' })).status).to.equal(404);
    expect((await start({}, w.tokens.user)).status).to.equal(403);
    expect((await start({}, w.tokens.otherAdmin)).status).to.equal(403);
    const admin = await start({}, w.tokens.superadmin);
    expect(admin.status).to.equal(403);
    expect(admin.json.message).to.match(/your own Kazoo token/);
    expect(syncCalls.filter((c) => c.accountId === w.account)).to.have.length(0);
  });

  it('tells every phone of a model through Kazoo, spaced by RESYNC_PER_MINUTE, and shows who fetched the new file', async () => {
    const [a, b] = phones;
    const oldEtag = await fetchFile(a.mac);
    const res = await w.call('POST', `accounts/${w.account}/resync`, w.tokens.accountAdmin, { data: { model: 'yealink/t4x/t46s' } });
    expect(res.status, res.text).to.equal(202);
    expect(res.json.data.items.map((i: { device_id: string }) => i.device_id)).to.have.members(phones.map((p) => p.id));
    // One job per account at a time.
    const second = await w.call('POST', `accounts/${w.account}/resync`, w.tokens.accountAdmin, { data: {} });
    expect(second.status).to.equal(409);
    expect(second.json.message).to.match(/still running/);
    const done = await waitFor(async () => { const st = await status(); return st.state === 'done' ? st : null; }, 20000, 'the resync done');
    expect(done.summary).to.include({ total: 3, sent: 3, failed: 0, waiting: 0 });
    const calls = syncCalls.filter((c) => c.accountId === w.account);
    expect(calls.map((c) => c.deviceId)).to.have.members(phones.map((p) => p.id));
    const sent = done.items.map((i: { sent_at: number }) => i.sent_at).sort((x: number, y: number) => x - y);
    for (let i = 1; i < sent.length; i++) expect(sent[i] - sent[i - 1]).to.be.at.least(60000 / PER_MINUTE);

    // The file of A changes (its SIP password), A fetches it, B does not fetch at all.
    expect(itemOf(done, a.id)).to.include({ request: 'sent', fetched_after_resync: false, etag_current: true, has_new_file: false });
    await w.kazoo.update(w.account, a.id, (d) => { d.sip.password = 'Changed-after-resync-9'; });
    await waitFor(async () => itemOf(await status(), a.id).etag_current === false, 10000, 'A\'s file changed');
    const newEtag = await fetchFile(a.mac);
    expect(newEtag).to.not.equal(oldEtag);
    const st = await waitFor(async () => { const s2 = await status(); return itemOf(s2, a.id).has_new_file ? s2 : null; }, 10000, 'A seen with the new file');
    expect(itemOf(st, a.id)).to.include({ fetched_after_resync: true, etag_current: true });
    expect(itemOf(st, b.id)).to.include({ request: 'sent', last_fetched_at: null, fetched_after_resync: false, has_new_file: false });
    expect(st.summary.fetched_new_file).to.equal(1);
    // The export says the same: A's last fetch is the current file, B never fetched.
    const exp = await http(`${w.srv.url}/api/accounts/${w.account}/devices/export`, { headers: { 'x-auth-token': w.tokens.accountAdmin } });
    const cols = (mac: string) => exp.text.split('\r\n').find((l) => l.startsWith(mac))!.split(',');
    expect(cols(a.mac)[11]).to.equal('true');
    expect(cols(b.mac)[11]).to.equal('');
  });

  it('a second runner takes over a job whose runner is gone and tells no phone twice', async () => {
    syncCalls.length = 0;
    const res = await w.call('POST', `accounts/${w.account}/resync`, w.tokens.accountAdmin, { data: {} });
    expect(res.status, res.text).to.equal(202);
    const app = w.srv.services.app;
    // While the first holds its lease, nobody else may run the job.
    const rival = new ResyncRunner(app, () => app.config.kazooApiUrl);
    expect(await rival.resume(w.account, w.tokens.accountAdmin)).to.equal(false);
    const taken = await w.call('POST', `accounts/${w.account}/resync/resume`, w.tokens.accountAdmin);
    expect(taken.status).to.equal(202); // the runner that holds it is this server's own: it goes on
    await waitFor(async () => (await status()).summary.sent >= 1, 10000, 'a first phone told');
    // The first runner dies (restart); another instance, its clock past the lease, takes over.
    w.srv.services.resync.stop();
    const later = new ResyncRunner({ ...app, now: () => Date.now() + LEASE_MS + 1000 }, () => app.config.kazooApiUrl);
    expect(await later.resume(w.account, w.tokens.accountAdmin)).to.not.equal(false);
    try {
      await waitFor(async () => { const j = await later.load(w.account); return j?.state === 'done'; }, 20000, 'the job finished by the second runner');
    } finally { later.stop(); }
    const ids = syncCalls.filter((c) => c.accountId === w.account).map((c) => c.deviceId);
    expect(ids).to.have.length(4);
    expect(new Set(ids).size).to.equal(4);
  });
});

// Issue 16, point 9: a power cut restarts the provisioner while CouchDB is gone or at its busiest.
// Start-up waits and retries every step that meets it, loudly, and comes up when CouchDB answers.
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../server/server.js';
import { startServer } from '../server/server.js';
import { logLines, runEnv, testConfig, testLog } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { waitFor } from './support.js';
import { phoneGet } from './security-client.js';
import { TcpProxy } from './tcp-proxy.js';

/** The proxy's URL with the test CouchDB's credentials (Apache CouchDB wants its admin for our databases). */
function viaProxy(proxy: TcpProxy): string {
  const target = new URL(runEnv().couchUrl);
  const u = new URL(proxy.url);
  u.username = target.username;
  u.password = target.password;
  return u.toString().replace(/\/$/, '');
}

const retries = (step: string, from: number) => logLines.slice(from).filter((l) => l.includes(`start-up step \\"${step}\\": CouchDB slow or not reachable; retrying`));

describe('start-up under a slow or absent CouchDB', function () {
  this.timeout(120000);
  let proxy: TcpProxy;
  const running: RunningServer[] = [];
  before(async () => { proxy = await TcpProxy.create(runEnv().couchUrl); });
  after(async () => {
    for (const srv of running) await srv.close();
    await proxy.stop();
  });

  it('waits for a CouchDB that is not there yet, saying so, and serves once it is', async () => {
    await proxy.stop();
    const cfg = testConfig({ indexIntervalMs: 200, kazooCouchdbUrl: viaProxy(proxy) });
    const from = logLines.length;
    const starting = startServer(cfg, viaProxy(proxy), testLog);
    await waitFor(async () => retries('bootstrap', from).length >= 2, 20000, 'bootstrap retried twice');
    await proxy.start();
    const srv = await starting;
    running.push(srv);
    const k = new KazooFixture(cfg.kazooDbPrefix);
    const account = await k.account({ provision: { provision_enabled: true } });
    const mac = newMac('805ec0');
    const device = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'devices', 10000, 'indexed');
    const res = await phoneGet(`${srv.url}/prov/yealink/${mac}.cfg`, { ip: '127.0.4.1' });
    expect(res.status).to.equal(200);
    expect(res.text).to.include(device.sip.password);
    await srv.close();
    running.pop();

    // The restart after first contact: databases exist, but CouchDB is gone when the services load …
    await proxy.stop();
    const from2 = logLines.length;
    const again = startServer({ ...cfg }, viaProxy(proxy), testLog, { skipBootstrap: true });
    await waitFor(async () => retries('state feed', from2).length >= 1, 20000, 'state feed retried');
    // … then back, but answering slower than the phone path's 2 s timeout, then normal again.
    proxy.slowMs = 2500;
    await proxy.start();
    await new Promise((r) => setTimeout(r, 6000));
    proxy.slowMs = 0;
    const srv2 = await again;
    running.push(srv2);
    // Retried while CouchDB was gone (waited for above); the slow answers after its return may be
    // met by one more retry or by a slow success, as the back-off falls on a loaded machine.
    expect(retries('state feed', from2).length).to.be.at.least(1);
    await waitFor(async () => srv2.services.macIndex.lookup(mac).kind === 'devices', 10000, 'index loaded');
    const res2 = await phoneGet(`${srv2.url}/prov/yealink/${mac}.cfg`, { ip: '127.0.4.1' });
    expect(res2.status).to.equal(200);
  });

  it('answers the phones it served before from their last-good copies while CouchDB is gone, and nobody else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-last-good-'));
    const PASS = 'last-good-url-pass-7f3a';
    const cfg = testConfig({ indexIntervalMs: 200, kazooCouchdbUrl: viaProxy(proxy), lastGoodDir: dir });
    const first = await startServer(cfg, viaProxy(proxy), testLog);
    const k = new KazooFixture(cfg.kazooDbPrefix);
    const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
    const mac = newMac('805ec0');
    const device = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => first.services.macIndex.lookup(mac).kind === 'devices', 10000, 'indexed');
    const own = (url: string, more: { ip?: string; pass?: string; headers?: Record<string, string> } = {}) =>
      phoneGet(`${url}/prov/yealink/${mac}.cfg?pass=${more.pass ?? PASS}`, { ip: more.ip ?? '127.0.4.2', headers: more.headers });
    const before = await own(first.url);
    expect(before.status).to.equal(200);
    expect(before.text).to.include(device.sip.password);
    const common = await phoneGet(`${first.url}/prov/yealink/y000000000066.cfg`, { ip: '127.0.4.2' });
    expect(common.status).to.equal(200);
    await first.close();
    // The copies hold SIP passwords: only the server's user may read them.
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
    expect(statSync(join(dir, 'index.json')).mode & 0o777).to.equal(0o600);
    for (const f of readdirSync(join(dir, 'bodies'))) expect(statSync(join(dir, 'bodies', f)).mode & 0o777, f).to.equal(0o600);

    // A power cut: the server comes back while CouchDB does not answer.
    await proxy.stop();
    let url = '';
    const starting = startServer({ ...cfg }, viaProxy(proxy), testLog, { skipBootstrap: true, onListening: (u) => { url = u; } });
    await waitFor(async () => !!url, 10000, 'listening');
    const again = await own(url);
    expect(again.status, again.text).to.equal(200);
    expect(again.text).to.equal(before.text);
    expect(String(again.headers.warning)).to.include('last-good');
    expect((await own(url, { headers: { 'if-none-match': String(again.headers.etag) } })).status).to.equal(304);
    // Not the same request: another IP, another or no URL password, or another file → 503, try again later.
    for (const [what, res] of [['another IP', await own(url, { ip: '127.0.4.3' })], ['a wrong pass', await own(url, { pass: 'guess' })],
      ['another MAC', await phoneGet(`${url}/prov/yealink/${newMac('805ec0')}.cfg?pass=${PASS}`, { ip: '127.0.4.2' })]] as const) {
      expect(res.status, what).to.equal(503);
      expect(res.headers['retry-after'], what).to.equal('10');
      expect(res.text, what).to.not.include(device.sip.password);
    }
    // The common file (no secrets) goes to anyone, as it does when the server runs.
    const commonAgain = await phoneGet(`${url}/prov/yealink/y000000000066.cfg`, { ip: '127.0.4.9' });
    expect(commonAgain.status).to.equal(200);
    expect(commonAgain.text).to.equal(common.text);
    const health = await phoneGet(`${url}/healthz`);
    expect(health.status).to.equal(503);
    expect(JSON.parse(health.text)).to.deep.include({ status: 'error', error: 'starting' });
    expect((await phoneGet(`${url}/api/catalog/brands`)).status).to.equal(503);

    await proxy.start();
    const srv = await starting;
    running.push(srv);
    await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'devices', 10000, 'index loaded');
    const live = await own(srv.url);
    expect(live.status).to.equal(200);
    expect(live.headers.warning).to.equal(undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives reads of many documents the bulk timeout, not the phone path\'s 2 s', async () => {
    const cfg = testConfig({ indexIntervalMs: 200, kazooCouchdbUrl: viaProxy(proxy) });
    const srv = await startServer(cfg, viaProxy(proxy), testLog);
    running.push(srv);
    proxy.slowMs = 2500;
    try {
      // A management view through the bulk client answers, slowly; the same read on the phone path times out.
      const t0 = Date.now();
      const res = await srv.app.bulk.stateDb.view('state', 'unknown_by_time', { limit: 10 });
      expect(res.rows).to.be.an('array');
      expect(Date.now() - t0).to.be.at.least(2500);
      const quick = await srv.app.stateDb.view('state', 'unknown_by_time', { limit: 10 }).then(() => 'answered', (err) => String(err.message));
      expect(quick).to.match(/timeout/i);
    } finally {
      proxy.slowMs = 0;
    }
  });
});

// Malformed input gets a 4xx, a CouchDB that does not answer a 503 (issue 16, point 7): undecodable
// paths, a window closed and reopened at once, a management view CouchDB is too slow for, a body
// over the limit; then 10,000 malformed requests across every surface, none answered with a 5xx.
import { expect } from 'chai';
import http from 'node:http';
import { routers } from '../server/app.js';
import { startServer, type RunningServer } from '../server/server.js';
import { runEnv, testConfig, testLog } from './harness.js';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { raw, routesOf } from './raw-http.js';
import { waitFor } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

/** A small deterministic generator: the same run every time, so a failure can be replayed. */
function prng(seed: number) {
  let x = seed >>> 0;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)] };
}

// Path segments as an attacker would send them (already in their wire form).
const JUNK_SEGMENTS = ['%ff', '%', '%%', '%zz', '%e0%80', '%00', '%c0%ae%c0%ae', '..', '%2e%2e', '.', '%2F', '_all_docs', '_design%2Fstate',
  'x_local%2F..%2F..%2F_all_dbs', 'a'.repeat(3000), '%F0%9F%92%A9', ';', '%3Cscript%3E', '%22%27', '-1', '1e309', 'NaN', 'null',
  '%7B%7D', '__proto__', 'constructor', '0', '999999999999999999999', '%20', '%0d%0aX-Injected:%201', '*', '~', '%5C..%5C'];
const JUNK_BODIES = ['{', '}', '[', 'null', '"x"', '1', 'true', '[]', '{"data":null}', '{"data":"x"}', '{"data":[]}', '{"data":{"cidrs":"x"}}',
  '{"data":{"cidrs":["999.0.0.0/8","::/0",7]}}', '{"data":{"__proto__":{"admin":true}}}', '{"data":{"constructor":{"prototype":{"x":1}}}}',
  '{"data":{"hours":-1,"keep_previous":"yes"}}', '{"data":{"_id":"_design/x","_rev":"1-x","pvt_type":"provisioner"}}',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  '{"data":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) + '}', '\u0000\u0001', '{"data":{"max_activations":1e999}}'];
const JUNK_HEADERS: Array<Record<string, string>> = [
  {}, { authorization: 'Digest' }, { authorization: 'Digest username="a", realm=, nonce="%ff", uri="/x", response="zz", nc=zz, qop=auth' },
  { authorization: 'Basic %%%' }, { authorization: 'Basic ' + Buffer.from(':').toString('base64') },
  { 'x-forwarded-for': '999.1.1.1, ::ffff:zz' }, { 'user-agent': 'Yealink SIP-T46S 66.86.0.15 zz:zz:zz:zz:zz:zz' },
  { 'user-agent': 'x'.repeat(4000) }, { 'content-type': 'application/json; charset=utf-99' }, { 'if-none-match': '"' + 'x'.repeat(2000) },
  { 'x-auth-token': 'eyJ.eyJ.sig' }, { 'x-auth-token': '%ff' }, { origin: 'null' }, { 'content-type': 'text/plain' },
];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

describe('malformed requests', function () {
  this.timeout(240000);
  let w: World;
  let mac: string;
  let device: { _id: string };

  before(async () => {
    w = await startWorld();
    mac = newMac();
    device = await w.kazoo.device(w.account, { name: 'Fuzz desk', mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => w.srv.services.macIndex.lookup(mac).kind === 'devices', 10000, 'index');
  });
  after(async () => { await w.close(); });

  it('answers 400 to an undecodable IP in a window or ban path', async () => {
    for (const path of [`/api/accounts/${w.account}/provisioning/windows/%ff`, `/api/locks/${w.account}/ban/%ff`,
      `/api/accounts/${w.account}/provisioning/windows/%ff/hours/2`, `/api/locks/${w.account}/ban/1.2.3.4%`]) {
      const method = path.includes('hours') ? 'PUT' : 'DELETE';
      const res = await raw(w.srv.url, method, path, { token: w.tokens.superadmin });
      expect(res.status, path).to.equal(400);
      expect(JSON.parse(res.text)).to.include({ error: 'bad_request' }).and.have.nested.property('data.field', 'ip');
    }
  });

  it('closes and reopens one window concurrently without a 5xx, and ends in a state one of them chose', async () => {
    const path = (what: string) => `/api/accounts/${w.account}/provisioning/windows/127.0.0.77${what}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    const calls = Array.from({ length: 40 }, (_x, i) => raw(w.srv.url, i % 2 ? 'DELETE' : 'PUT', path(i % 2 ? '' : '/hours/1'),
      { token: w.tokens.superadmin, agent }));
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    agent.destroy();
    expect(statuses.filter((s) => s >= 500), statuses.join(',')).to.deep.equal([]);
    // Closes either closed a window (200) or found none (404); opens succeeded or met 5 conflicts (409).
    expect(statuses.every((s) => [200, 404, 409].includes(s)), statuses.join(',')).to.equal(true);
    const list = await raw(w.srv.url, 'GET', `/api/accounts/${w.account}/provisioning/windows`, { token: w.tokens.superadmin });
    expect(list.status).to.equal(200);
  });

  it('answers 413 to a JSON body over 2 MB, and 400 to one that is not JSON', async () => {
    const big = JSON.stringify({ data: { cidrs: [], filler: 'x'.repeat(3 * 1024 * 1024) } });
    const res = await raw(w.srv.url, 'PUT', `/api/accounts/${w.account}/provisioning/settings`, { token: w.tokens.superadmin, body: big });
    expect(res.status).to.equal(413);
    expect(JSON.parse(res.text)).to.include({ error: 'too_large' });
    const bad = await raw(w.srv.url, 'PUT', `/api/accounts/${w.account}/provisioning/settings`, { token: w.tokens.superadmin, body: '{"data":' });
    expect(bad.status).to.equal(400);
    expect(JSON.parse(res.text).message).to.match(/larger than 2 MB/);
  });

  describe('CouchDB too slow for a management view', () => {
    let proxy: TcpProxy;
    let srv: RunningServer;
    before(async () => {
      proxy = await TcpProxy.create(runEnv().couchUrl);
      srv = await startServer(testConfig({ couchTimeoutMs: 300, adminToken: w.srv.app.config.adminToken }), proxy.url, testLog);
    });
    after(async () => {
      proxy.resume();
      await srv?.close();
      await proxy?.stop();
    });

    it('answers 503 with Retry-After, and 200 again once CouchDB answers', async () => {
      const path = `/api/accounts/${w.account}/provisioning/windows`;
      expect((await raw(srv.url, 'GET', path, { token: w.tokens.superadmin })).status).to.equal(200);
      proxy.stall();
      const res = await raw(srv.url, 'GET', path, { token: w.tokens.superadmin });
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.equal('5');
      expect(JSON.parse(res.text)).to.include({ error: 'couchdb_unavailable' });
      proxy.resume();
      await waitFor(async () => (await raw(srv.url, 'GET', path, { token: w.tokens.superadmin })).status === 200, 10000, 'recovery');
    });
  });

  it('answers 10,000 malformed requests across every surface without a single 5xx', async () => {
    const rnd = prng(16);
    const routes = routesOf(routers(w.srv.services));
    const valid: Record<string, string> = {
      accountId: w.account, deviceId: device._id, mac, id: encodeURIComponent('ui/yealink/t4x/t46s'), brand: 'yealink', family: 't4x',
      model: 't46s', file: `${mac}.cfg`, ip: '127.0.0.9', hours: '1', codeId: 'a'.repeat(64), activationId: 'b'.repeat(64),
    };
    const tokens = [w.tokens.superadmin, w.tokens.accountAdmin, w.tokens.user, w.tokens.otherAdmin, null, 'junk'];
    const extraPaths = ['/monster-app/%ff', '/monster-app/..%2f..%2fpackage.json', '/monster-app/%2e%2e/%2e%2e/etc/passwd', '/healthz?x=%ff',
      '/metrics', '/sessiontalk/provision?username=%ff&password=%00&code=' + 'z'.repeat(5000), '/app/sessiontalk/provision.php?code[]=1&code=2',
      '/prov/yealink/%ff.cfg', '/prov/snom/settings.php?mac=%ff', '/prov/%ff/%ff', '/api/%ff', '/%ff', '/api/accounts/%ff/devices'];
    const requests = Array.from({ length: 10_000 }, () => {
      const method = rnd.pick(METHODS);
      let path: string;
      if (rnd.next() < 0.1) path = rnd.pick(extraPaths);
      else {
        const route = rnd.pick(routes);
        path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (rnd.next() < 0.5 ? rnd.pick(JUNK_SEGMENTS) : valid[name] ?? 'x'));
        if (rnd.next() < 0.3) path += '?' + rnd.pick(['pass=%ff', 'rev=%00', 'reveal=true', 'mac=zz', 'a=' + 'b'.repeat(2000), '%=%', 'x[y]=1']);
      }
      const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && rnd.next() < 0.8 ? rnd.pick(JUNK_BODIES) : undefined;
      return { method, path, token: rnd.pick(tokens), headers: rnd.pick(JUNK_HEADERS), body };
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const byStatus = new Map<number, number>();
    const fivexx: string[] = [];
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++];
        const res = await raw(w.srv.url, r.method, r.path, { token: r.token, body: r.body, headers: r.headers, agent })
          .catch((err: Error) => ({ status: 0, text: err.message, headers: {} }));
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        if (res.status >= 500 || res.status === 0) fivexx.push(`${r.method} ${r.path.slice(0, 120)} → ${res.status} ${res.text.slice(0, 100)}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    agent.destroy();
    const seconds = (Date.now() - started) / 1000;
    console.log(`      fuzz: 10,000 requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}`);
    expect(fivexx.slice(0, 15), `${fivexx.length} requests got a 5xx or no answer`).to.deep.equal([]);
    // The server still serves after it.
    expect((await raw(w.srv.url, 'GET', '/healthz')).status).to.equal(200);
  });
});

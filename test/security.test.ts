import { expect } from 'chai';
import type { RunningServer } from '../server/server.js';
import { startTestServer, logLines } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { secret } from './fixtures/secrets.js';
import { http, waitFor } from './support.js';
import { challengesOf, digestAuth, phoneGet, type PhoneResponse } from './security-client.js';
import { ADMIN_TOKEN, startWorld, type World } from './kazoo-tenants.js';

const PASS = secret('security-url-pass-5c4b3a');
const YEALINK_UA = (mac: string) => `Yealink SIP-T46S 66.86.0.15 ${mac.match(/../g)!.join(':')}`;

/** A server whose probe limit is the default (10/min) and whose refusals are quick. */
async function server(extra: Record<string, unknown> = {}): Promise<{ srv: RunningServer; k: KazooFixture }> {
  const srv = await startTestServer({ indexIntervalMs: 200, probeLimit: 10, failureDelayMs: 1, ...extra } as never);
  return { srv, k: new KazooFixture(srv.app.config.kazooDbPrefix) };
}

async function phone(k: KazooFixture, provision: Record<string, unknown> = { urlpass: PASS }) {
  const account = await k.account({ provision: { provision_enabled: true, ...provision } });
  const mac = newMac('805ec0');
  const device = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
  return { account, device, mac };
}

const api = (srv: RunningServer, method: string, path: string, json?: unknown, token = ADMIN_TOKEN) =>
  http(`${srv.url}/api/${path}`, { method, headers: { 'x-auth-token': token }, json });

/** Waits until the MAC index knows the device (first fetch from `ip`), without counting as probes elsewhere. */
async function firstFetch(srv: RunningServer, path: string, ip: string, headers: Record<string, string> = {}): Promise<PhoneResponse> {
  await waitFor(async () => srv.services.macIndex.lookup(path.match(/([0-9a-f]{12})/)![1]).kind === 'devices', 5000, 'device indexed');
  return phoneGet(`${srv.url}${path}`, { ip, headers });
}

const failures = (ip: string, reason?: string) =>
  logLines.filter((l) => l.includes(`provision-auth-failure ip=${ip} `) && (!reason || l.includes(`reason=${reason}"`)));

describe('phone security: probe limits', function () {
  this.timeout(120000);
  let srv: RunningServer;
  let k: KazooFixture;
  before(async () => ({ srv, k } = await server()));
  after(async () => { await srv.close(); });

  it('bans an IP after 10 unknown MACs a minute: 1,000 probes, no config served, other IPs unaffected', async () => {
    const victim = await phone(k);
    const other = await phone(k);
    await firstFetch(srv, `/prov/yealink/${victim.mac}.cfg?pass=${PASS}`, '127.0.0.3');
    const before = failures('127.0.0.2').length;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const r = await phoneGet(`${srv.url}/prov/yealink/${newMac('805ec0')}.cfg?pass=${PASS}`, { ip: '127.0.0.2' });
      statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
    }
    expect([...statuses.keys()]).to.deep.equal([404]);
    const lines = failures('127.0.0.2').slice(before);
    expect(lines).to.have.length(1000);
    // Exactly the threshold got looked up; everything after it was refused as banned.
    expect(lines.slice(0, 10).every((l) => l.includes('reason=unknown_mac'))).to.equal(true);
    expect(lines.slice(10).every((l) => l.includes('reason=banned'))).to.equal(true);
    expect(logLines.some((l) => l.includes('provision-ban ip=127.0.0.2 failures=10 minutes=15'))).to.equal(true);
    // The ban is in CouchDB, for every instance.
    const ban = await srv.app.stateDb.get('ban:127.0.0.2');
    expect(ban.expires_at - ban.at).to.equal(15 * 60_000);
    // A real phone at the banned IP gets nothing either; another IP is served.
    expect((await phoneGet(`${srv.url}/prov/yealink/${other.mac}.cfg?pass=${PASS}`, { ip: '127.0.0.2' })).status).to.equal(404);
    const fine = await phoneGet(`${srv.url}/prov/yealink/${victim.mac}.cfg?pass=${PASS}`, { ip: '127.0.0.3' });
    expect(fine.status).to.equal(200);
    expect(fine.text).to.include(victim.device.sip.password);
  });

  it('lifts a ban for one account (its admin) or for all (super-admin), and lists the unknown MACs', async () => {
    const a = await phone(k);
    const b = await phone(k);
    await waitFor(async () => srv.services.macIndex.lookup(b.mac).kind === 'devices', 5000, 'indexed');
    for (let i = 0; i < 10; i++) await phoneGet(`${srv.url}/prov/yealink/${newMac('001565')}.cfg`, { ip: '127.0.0.4', headers: { 'User-Agent': 'scanner/1.0' } });
    const url = (p: { mac: string }) => `${srv.url}/prov/yealink/${p.mac}.cfg?pass=${PASS}`;
    expect((await phoneGet(url(a), { ip: '127.0.0.4' })).status).to.equal(404);
    expect((await api(srv, 'DELETE', 'locks/not-an-account/ban/127.0.0.4')).status).to.equal(400);
    expect((await api(srv, 'DELETE', `locks/${a.account._id}/ban/999.1.1.1`)).status).to.equal(400);
    // A window for the IP also lets that account's phones through.
    const w = await api(srv, 'PUT', `accounts/${a.account._id}/provisioning/windows/127.0.0.4/hours/1`);
    expect(w.status).to.equal(200);
    expect((await phoneGet(url(a), { ip: '127.0.0.4' })).status).to.equal(200);
    expect((await phoneGet(url(b), { ip: '127.0.0.4' })).status).to.equal(404);
    const del = await api(srv, 'DELETE', `locks/${b.account._id}/ban/127.0.0.4`, { data: {} });
    expect(del.status).to.equal(200);
    expect(del.json.data).to.deep.equal({});
    await waitFor(async () => (await phoneGet(url(b), { ip: '127.0.0.4' })).status === 200, 3000, 'ban lifted');
    // Sightings reach CouchDB in batches, within a second or two.
    const unknown = await waitFor(async () => {
      const res = await api(srv, 'GET', 'unknown-macs');
      return res.status === 200 && res.json.data.some((u: any) => u.last_ip === '127.0.0.4') ? res : null;
    }, 5000, 'unknown MACs listed');
    const seen = unknown.json.data.filter((u: any) => u.last_ip === '127.0.0.4');
    expect(seen.length).to.be.greaterThan(0);
    expect(seen[0]).to.include.keys('mac', 'count', 'last_ip', 'ua', 'at');
    expect(seen[0].ua).to.equal('scanner/1.0');
    expect(unknown.json.data.some((u: any) => u.mac === a.mac)).to.equal(false);
  });

  it('counts a Digest challenge only when it goes unanswered, so phones behind one NAT are not banned', async () => {
    const { account, mac } = await phone(k, {});
    const path = `/prov/yealink/${mac}.cfg`;
    expect((await firstFetch(srv, path, '127.0.0.6')).status).to.equal(200);
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_grace_minutes: 0 } });
    const creds = (await api(srv, 'GET', `accounts/${account._id}/devices/${(await deviceId(k, account._id, mac))}/credentials`)).json.data;
    secret(creds.password);
    for (let i = 0; i < 25; i++) {
      const challenge = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.6', headers: { 'User-Agent': YEALINK_UA(mac) } });
      expect(challenge.status).to.equal(401);
      const [c] = challengesOf(challenge);
      const ok = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.6',
        headers: { 'User-Agent': YEALINK_UA(mac), Authorization: digestAuth(c, creds.username, creds.password, path) } });
      expect(ok.status, `round ${i}`).to.equal(200);
    }
  });
});

async function deviceId(k: KazooFixture, accountId: string, mac: string): Promise<string> {
  const db = k.server.use<any>(k.accountDbName(accountId));
  const all = await db.list({ include_docs: true });
  return all.rows.map((r: any) => r.doc).find((d: any) => d.mac_address && d.mac_address.replace(/:/g, '') === mac)._id;
}

describe('phone security: credentials, locks, tenants', function () {
  this.timeout(60000);
  let srv: RunningServer;
  let k: KazooFixture;
  before(async () => ({ srv, k } = await server()));
  after(async () => { await srv.close(); });

  it('gives a new phone per-device credentials in its config, then wants Digest (MD5, SHA-256) and refuses a replay', async () => {
    const { account, mac } = await phone(k, {});
    const path = `/prov/yealink/${mac}.cfg`;
    const first = await firstFetch(srv, path, '127.0.0.7');
    expect(first.status).to.equal(200);
    const id = await deviceId(k, account._id, mac);
    const creds = (await api(srv, 'GET', `accounts/${account._id}/devices/${id}/credentials`)).json.data;
    secret(creds.password);
    expect(creds.password.length).to.be.at.least(22);
    expect(creds.realm).to.be.a('string');
    expect(first.text).to.include(creds.password);
    const settings = (await api(srv, 'GET', `accounts/${account._id}/provisioning/settings`)).json.data;
    expect(settings).to.include({ first_contact_lock: true, require_credentials: true, urlpass_set: false });
    // Past the first-contact grace, a bare request is challenged.
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_grace_minutes: 0 } });
    const ua = { 'User-Agent': YEALINK_UA(mac) };
    const bare = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: ua });
    expect(bare.status).to.equal(401);
    const offers = challengesOf(bare);
    expect(offers.map((c) => c.algorithm)).to.deep.equal(['SHA-256', 'MD5']);
    expect(bare.challenges.join(' ')).to.not.match(/Basic/);
    for (const alg of ['SHA-256', 'MD5']) {
      // A fresh challenge each: both offers share one nonce, whose counts the first loop used up.
      const c = challengesOf(await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: ua })).find((x) => x.algorithm === alg)!;
      const auth = digestAuth(c, creds.username, creds.password, path);
      const ok = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: { ...ua, Authorization: auth } });
      expect(ok.status, alg).to.equal(200);
      expect(ok.text).to.include(`${creds.password}`);
      const replay = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: { ...ua, Authorization: auth } });
      expect(replay.status, `${alg} replay`).to.equal(401);
      // The next request count on the same nonce is fine.
      const next = digestAuth(c, creds.username, creds.password, path, 2);
      expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: { ...ua, Authorization: next } })).status).to.equal(200);
    }
    expect(failures('127.0.0.7', 'digest_replay')).to.have.length(2);
    const [c] = challengesOf(await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: ua }));
    const wrong = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: { ...ua, Authorization: digestAuth(c, creds.username, 'not-the-password', path) } });
    expect(wrong.status).to.equal(401);
    // Basic only over TLS: over plain HTTP it is refused even with the right password.
    const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: { ...ua, Authorization: basic } })).status).to.equal(401);
    expect(failures('127.0.0.7', 'basic_without_tls')).to.have.length(1);
    // Another device's credentials do not open this one.
    const other = await phone(k, {});
    await firstFetch(srv, `/prov/yealink/${other.mac}.cfg`, '127.0.0.7');
    const otherCreds = (await api(srv, 'GET', `accounts/${other.account._id}/devices/${await deviceId(k, other.account._id, other.mac)}/credentials`)).json.data;
    secret(otherCreds.password);
    const [c2] = challengesOf(await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7', headers: ua }));
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.7',
      headers: { ...ua, Authorization: digestAuth(c2, otherCreds.username, otherCreds.password, path) } })).status).to.equal(401);
  });

  it('rotates credentials: the new ones are rendered, the old ones stop working', async () => {
    const { account, mac } = await phone(k, {});
    const path = `/prov/yealink/${mac}.cfg`;
    await firstFetch(srv, path, '127.0.0.8');
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_grace_minutes: 0 } });
    const id = await deviceId(k, account._id, mac);
    const old = secret((await api(srv, 'GET', `accounts/${account._id}/devices/${id}/credentials`)).json.data);
    secret(old.password);
    const rotated = await api(srv, 'POST', `accounts/${account._id}/devices/${id}/credentials/rotate`, { data: { keep_previous: false } });
    expect(rotated.status).to.equal(200);
    const fresh = rotated.json.data;
    secret(fresh.password);
    expect(fresh.password).to.not.equal(old.password);
    const ua = { 'User-Agent': YEALINK_UA(mac) };
    const [c] = challengesOf(await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.8', headers: ua }));
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.8', headers: { ...ua, Authorization: digestAuth(c, old.username, old.password, path) } })).status).to.equal(401);
    const [c2] = challengesOf(await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.8', headers: ua }));
    const ok = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.8', headers: { ...ua, Authorization: digestAuth(c2, fresh.username, fresh.password, path) } });
    expect(ok.status).to.equal(200);
    expect(ok.text).to.include(fresh.password);
    expect(ok.text).to.not.include(old.password);
    // Default rotation keeps the old password until the phone has used the new one.
    const soft = (await api(srv, 'POST', `accounts/${account._id}/devices/${id}/credentials/rotate`, { data: {} })).json.data;
    secret(soft.password);
    const [c3] = challengesOf(await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.8', headers: ua }));
    const withOld = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.8', headers: { ...ua, Authorization: digestAuth(c3, fresh.username, fresh.password, path) } });
    expect(withOld.status).to.equal(200);
    expect(withOld.text).to.include(soft.password);
    expect((await api(srv, 'POST', `accounts/${account._id}/devices/${id}/credentials/rotate`, { data: { keep_previous: 'no' } })).status).to.equal(400);
  });

  it('refuses a wrong pass, and never serves a MAC to another tenant', async () => {
    const a = await phone(k);
    const otherPass = secret('other-tenant-pass-778899');
    const b = await phone(k, { urlpass: otherPass });
    await firstFetch(srv, `/prov/yealink/${a.mac}.cfg?pass=${PASS}`, '127.0.0.9');
    expect((await phoneGet(`${srv.url}/prov/yealink/${a.mac}.cfg?pass=wrong-pass`, { ip: '127.0.0.9' })).status).to.equal(404);
    expect(failures('127.0.0.9', 'bad_password').length).to.be.greaterThan(0);
    // Tenant B's password does not open tenant A's phone.
    expect((await phoneGet(`${srv.url}/prov/yealink/${a.mac}.cfg?pass=${otherPass}`, { ip: '127.0.0.9' })).status).to.equal(404);
    // Tenant B claims A's MAC: nobody gets it any more.
    await k.device(b.account._id, { mac: a.mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => srv.services.macIndex.lookup(a.mac).kind === 'conflict', 5000, 'conflict');
    for (const pass of [PASS, otherPass]) {
      const r = await phoneGet(`${srv.url}/prov/yealink/${a.mac}.cfg?pass=${pass}`, { ip: '127.0.0.9' });
      expect(r.status).to.equal(404);
      expect(r.text).to.not.include(a.device.sip.password);
    }
  });

  it('locks a phone to its first IP: 127.0.0.2 pins it, 127.0.0.3 is refused until unlocked', async () => {
    const { account, mac, device } = await phone(k);
    const path = `/prov/yealink/${mac}.cfg?pass=${PASS}`;
    expect((await firstFetch(srv, path, '127.0.0.2')).status).to.equal(200);
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.2' })).status).to.equal(200);
    const refused = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.3' });
    expect(refused.status).to.equal(404);
    expect(refused.text).to.equal('Not Found\n');
    expect(failures('127.0.0.3', 'locked')).to.have.length(1);
    // SmartPBX's Unlock button: DELETE with a JSON body.
    const unlock = await api(srv, 'DELETE', `locks/${account._id}/${mac.toUpperCase().match(/../g)!.join(':')}`, { data: { mac_address: mac } });
    expect(unlock.status).to.equal(200);
    expect(unlock.json).to.include({ status: 'success' });
    const after = await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.3' });
    expect(after.status).to.equal(200);
    expect(after.text).to.include(device.sip.password);
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.2' })).status).to.equal(404);
    // A window moves it again.
    expect((await api(srv, 'PUT', `accounts/${account._id}/provisioning/windows/127.0.0.10/hours/0`)).status).to.equal(400);
    expect((await api(srv, 'PUT', `accounts/${account._id}/provisioning/windows/127.0.0.10/hours/169`)).status).to.equal(400);
    const opened = await api(srv, 'PUT', `accounts/${account._id}/provisioning/windows/127.0.0.10/hours/168`);
    expect(opened.status).to.equal(200);
    expect(opened.json.data.until - opened.json.data.at).to.equal(168 * 3_600_000);
    expect((await api(srv, 'GET', `accounts/${account._id}/provisioning/windows`)).json.data.map((w: any) => w.ip)).to.deep.equal(['127.0.0.10']);
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.10' })).status).to.equal(200);
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.3' })).status).to.equal(404);
    // With the lock off, any IP is served.
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_lock: false } });
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.3' })).status).to.equal(200);
  });

  it('validates settings (400 naming the field) and enforces the CIDR allow-list', async () => {
    const { account, mac } = await phone(k);
    const put = (data: unknown) => api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data });
    const bad = await put({ cidrs: ['10.0.0.0/8', 'not-an-ip'] });
    expect(bad.status).to.equal(400);
    expect(bad.json.data).to.include({ field: 'cidrs' });
    expect(bad.json.message).to.include('cidrs');
    const range = await put({ cidrs: ['10.0.0.0/33'] });
    expect(range.status).to.equal(400);
    expect(range.json.data.pointer).to.equal('/cidrs/0');
    const unknown = await put({ lock_everything: true });
    expect(unknown.status).to.equal(400);
    expect(unknown.json.message).to.include('lock_everything');
    expect((await put({ first_contact_grace_minutes: 'soon' })).json.data).to.include({ field: 'first_contact_grace_minutes' });
    const ok = await put({ cidrs: ['10.0.0.0/8'] });
    expect(ok.status).to.equal(200);
    expect(ok.json.data.cidrs).to.deep.equal(['10.0.0.0/8']);
    const path = `/prov/yealink/${mac}.cfg?pass=${PASS}`;
    expect((await firstFetch(srv, path, '127.0.0.11')).status).to.equal(404);
    expect(failures('127.0.0.11', 'cidr_not_allowed')).to.have.length(1);
    await put({ cidrs: ['127.0.0.0/8'] });
    expect((await phoneGet(`${srv.url}${path}`, { ip: '127.0.0.11' })).status).to.equal(200);
  });

  it('answers unknown MAC, other tenant, disabled account and wrong credentials alike, in the same time class', async () => {
    srv.app.config.failureDelayMs = 150;
    try {
      const a = await phone(k);
      const disabled = await phone(k, { urlpass: PASS, provision_enabled: false });
      await firstFetch(srv, `/prov/yealink/${a.mac}.cfg?pass=${PASS}`, '127.0.0.12');
      await waitFor(async () => srv.services.macIndex.lookup(disabled.mac).kind === 'devices', 5000, 'indexed');
      const probes = [
        `/prov/yealink/${newMac('805ec0')}.cfg?pass=${PASS}`,            // unknown MAC
        `/prov/yealink/${a.mac}.cfg?pass=someone-elses-pass`,            // other tenant's / wrong password
        `/prov/yealink/${disabled.mac}.cfg?pass=${PASS}`,                // disabled account
      ];
      for (const ua of [undefined, YEALINK_UA('805ec0000000')]) {
        const answers = [];
        for (const p of probes) {
          const headers: Record<string, string> = ua ? { 'User-Agent': ua } : {};
          answers.push(await phoneGet(`${srv.url}${p}`, { ip: '127.0.0.12', headers }));
          answers.push(await phoneGet(`${srv.url}${p.replace(/\?pass=.*/, '')}`, { ip: '127.0.0.12', headers: { ...headers, Authorization: 'Digest username="x", realm="y", nonce="0", uri="/", response="0", qop=auth, nc=00000001, cnonce="1"' } }));
        }
        const shape = (r: PhoneResponse) => JSON.stringify([r.status, r.text, Object.keys(r.headers).filter((h) => h !== 'date').sort(), r.headers['content-type']]);
        expect(new Set(answers.filter((_, i) => i % 2 === 0).map(shape)).size, 'with pass=').to.equal(1);
        expect(new Set(answers.filter((_, i) => i % 2 === 1).map(shape)).size, 'with credentials').to.equal(1);
        for (const r of answers) expect(r.ms).to.be.within(145, 600);
      }
    } finally {
      srv.app.config.failureDelayMs = 1;
    }
  });

  it('removes locks, credentials, settings and windows with the account', async () => {
    const { account, mac } = await phone(k);
    await firstFetch(srv, `/prov/yealink/${mac}.cfg?pass=${PASS}`, '127.0.0.13');
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { cidrs: ['127.0.0.0/8'] } });
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/windows/127.0.0.14/hours/2`);
    const held = async () => (await srv.app.stateDb.view('state', 'by_account', { startkey: [account._id], endkey: [account._id, {}] })).rows
      .map((r: any) => r.key[1]);
    expect(await held()).to.include.members(['provision_lock', 'provision_credentials', 'provision_settings', 'provision_window']);
    expect((await api(srv, 'DELETE', `accounts/${account._id}`)).status).to.equal(200);
    expect(await held()).to.deep.equal([]);
  });
});

describe('phone security: who may call the security API', function () {
  this.timeout(60000);
  let w: World;
  before(async () => { w = await startWorld(); });
  after(async () => { await w.close(); });

  it('lets admins of the account (or its reseller) act, and no one else', async () => {
    const mac = newMac('805ec0');
    const d = await w.kazoo.device(w.account, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    const paths: Array<[string, string]> = [
      ['GET', `accounts/${w.account}/provisioning/settings`],
      ['GET', `accounts/${w.account}/provisioning/windows`],
      ['GET', `accounts/${w.account}/devices/${d._id}/credentials`],
      ['DELETE', `locks/${w.account}/${mac}`],
      ['DELETE', `locks/${w.account}/ban/192.0.2.1`],
    ];
    for (const [method, path] of paths) {
      for (const token of [w.tokens.accountAdmin, w.tokens.resellerAdmin]) {
        const r = await w.call(method, path, token, method === 'DELETE' ? { data: {} } : undefined);
        expect(r.status, `${method} ${path}`).to.equal(200);
        if (path.endsWith('/credentials')) secret(r.json.data.password);
      }
      for (const token of [w.tokens.user, w.tokens.otherAdmin]) expect((await w.call(method, path, token)).status, `${method} ${path}`).to.equal(403);
      expect((await w.call(method, path)).status).to.equal(401);
    }
    expect((await w.call('GET', 'unknown-macs', w.tokens.accountAdmin)).status).to.equal(403);
  });
});

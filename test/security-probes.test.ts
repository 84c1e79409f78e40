// Issue 16, point 2: the probe limit holds whatever the User-Agent says, and an account can close
// first contact for devices that were not created (or unlocked) a short while ago.
import { expect } from 'chai';
import type { RunningServer } from '../server/server.js';
import { kazooDeviceDoc } from '../server/kazoo/docs.js';
import { startTestServer, logLines } from './harness.js';
import { KazooFixture, newId, newMac } from './fixtures/kazoo.js';
import { secret } from './fixtures/secrets.js';
import { http, waitFor } from './support.js';
import { challengesOf, digestAuth, phoneGet } from './security-client.js';
import { ADMIN_TOKEN } from './kazoo-tenants.js';

const colons = (mac: string) => mac.match(/../g)!.join(':');
const dashes = (mac: string) => mac.toUpperCase().match(/../g)!.join('-');

// What each vendor's phones send as User-Agent (the formats the vendor profiles in seed-brands/ cite),
// with the MAC the phone asks for where the vendor puts one.
const USER_AGENTS: Record<string, (mac: string) => string> = {
  yealink: (mac) => `Yealink SIP-T46S 66.86.0.15 ${colons(mac)}`,
  snom: (mac) => `Mozilla/4.0 (compatible; snom760-SIP 10.1.46.16 ${mac.toUpperCase()})`,
  polycom: (mac) => `FileTransport PolycomVVX-VVX_450-UA/6.4.0.1234 (SN:${mac})`,
  grandstream: (mac) => `Grandstream Model HW GXP2170 SW 1.0.11.3 DevId ${mac}`,
  cisco: (mac) => `Cisco/SPA504G-7.6.2 (${mac.toUpperCase()})`,
  mitel: (mac) => `Aastra6867i MAC:${dashes(mac)} V:5.1.0.1024-SIP`,
  panasonic: (mac) => `Panasonic_KX-TGP600/12.20 (${mac})`,
  fanvil: (mac) => `Fanvil X4U 2.12.1 ${mac}`,
  htek: (mac) => `Htek UC926 2.0.4.4.33 ${colons(mac)}`,
};

/** Kazoo stamps pvt_created in Gregorian seconds. */
const gregorianNow = () => Math.floor(Date.now() / 1000) + 62_167_219_200;

const api = (srv: RunningServer, method: string, path: string, json?: unknown) =>
  http(`${srv.url}/api/${path}`, { method, headers: { 'x-auth-token': ADMIN_TOKEN }, json });

describe('phone security: the probe limit whatever the User-Agent', function () {
  this.timeout(120000);
  let srv: RunningServer;
  let k: KazooFixture;
  before(async () => {
    srv = await startTestServer({ indexIntervalMs: 200, probeLimit: 10, failureDelayMs: 1 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  it("bans a MAC guesser at 10 refusals with each vendor's User-Agent, before it finds a never-contacted phone", async () => {
    // A device that never fetched, first contact open (the default): what the guesser is after.
    const account = await k.account({ provision: { provision_enabled: true } });
    const victim = newMac('805ec0');
    const device = await k.device(account._id, { mac: victim, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => srv.services.macIndex.lookup(victim).kind === 'devices', 5000, 'victim indexed');
    const brands = Object.keys(USER_AGENTS);
    expect(brands.every((b) => srv.services.catalog.profile(b)), 'every vendor has a profile').to.equal(true);
    for (const [n, brand] of brands.entries()) {
      const ip = `127.0.1.${n + 1}`;
      const file = srv.services.catalog.allTemplates().filter((t) => t.endpoint_brand === brand)
        .flatMap((t) => t.files || srv.services.catalog.profile(brand)!.default_files || []).find((f) => /\{mac\}/i.test(f.name))!.name;
      const url = (mac: string) => `${srv.url}/prov/${brand}/${file.replace(/\{mac\}/i, (m) => (m === '{MAC}' ? mac.toUpperCase() : mac))}`;
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const mac = newMac('805ec0');
        statuses.push((await phoneGet(url(mac), { ip, headers: { 'User-Agent': USER_AGENTS[brand](mac) } })).status);
      }
      // The User-Agent earns a Digest challenge, not a free pass: refusals 1–10 looked the MAC up, the rest were banned.
      expect(statuses.every((st) => st === 401), `${brand}: ${statuses}`).to.equal(true);
      const lines = logLines.filter((l) => l.includes(`provision-auth-failure ip=${ip} `));
      expect(lines.slice(0, 10).every((l) => !l.includes('reason=banned')), brand).to.equal(true);
      expect(lines.slice(10).every((l) => l.includes('reason=banned')), brand).to.equal(true);
      expect(logLines.some((l) => l.includes(`provision-ban ip=${ip} failures=10 `)), `${brand} banned`).to.equal(true);
    }
    // The banned guesser asks for the real MAC: nothing, and the phone's password is not in it.
    const last = await phoneGet(`${srv.url}/prov/yealink/${victim}.cfg`, { ip: '127.0.1.1', headers: { 'User-Agent': USER_AGENTS.yealink(victim) } });
    expect(last.status).to.equal(401);
    expect(last.text).not.to.include(device.sip.password);
  });
});

describe('phone security: what is not a probe', function () {
  this.timeout(60000);
  let srv: RunningServer;
  let k: KazooFixture;
  before(async () => {
    srv = await startTestServer({ indexIntervalMs: 200, probeLimit: 10, failureDelayMs: 1 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  it('does not count a known phone asking for a file its template does not list (a Cisco MPP asking for spa<mac>.xml)', async () => {
    const account = await k.account({ provision: { provision_enabled: true } });
    const mac = newMac('0cd0f8');
    const device = await k.device(account._id, { mac, brand: 'cisco', family: 'mpp88xx', model: 'cp8851' });
    await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'devices', 5000, 'indexed');
    const ua = USER_AGENTS.cisco(mac).replace('SPA504G', 'CP-8851-3PCC');
    for (let i = 0; i < 15; i++) {
      const res = await phoneGet(`${srv.url}/prov/cisco/spa${mac}.xml`, { ip: '127.0.3.1', headers: { 'User-Agent': ua } });
      expect(res.status, `request ${i + 1}`).to.be.oneOf([401, 404]);
    }
    expect(logLines.filter((l) => l.includes('provision-auth-failure ip=127.0.3.1 ') && l.includes('reason=unsupported_file'))).to.have.length(15);
    expect(logLines.some((l) => l.includes('provision-ban ip=127.0.3.1 '))).to.equal(false);
    const good = await phoneGet(`${srv.url}/prov/cisco/${mac}.xml`, { ip: '127.0.3.1', headers: { 'User-Agent': ua } });
    expect(good.status).to.equal(200);
    expect(good.text).to.include(device.sip.password);
  });
});

describe('phone security: an office of phones booting together behind one NAT', function () {
  this.timeout(120000);
  let srv: RunningServer;
  let k: KazooFixture;
  before(async () => {
    // The default refusal delay: a challenge is held this long before it is sent.
    srv = await startTestServer({ indexIntervalMs: 200, probeLimit: 10, failureDelayMs: 250 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  it('15 phones answering their Digest challenges at the same moment are all served and not banned', async () => {
    const account = await k.account({ provision: { provision_enabled: true } });
    const ip = '127.0.5.1';
    const phones: Array<{ mac: string; device: { _id: string } }> = [];
    for (let i = 0; i < 15; i++) {
      const mac = newMac('805ec0');
      const device = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      phones.push({ mac, device });
    }
    await waitFor(async () => phones.every((p) => srv.services.macIndex.lookup(p.mac).kind === 'devices'), 10000, 'indexed');
    // Their first contact was long ago: they hold their own credentials now, and must use them.
    for (const p of phones) expect((await phoneGet(`${srv.url}/prov/yealink/${p.mac}.cfg`, { ip })).status).to.equal(200);
    await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_grace_minutes: 0 } });
    const creds = await Promise.all(phones.map(async (p) => (await api(srv, 'GET', `accounts/${account._id}/devices/${p.device._id}/credentials`)).json.data));
    for (const c of creds) secret(c.password);
    // The power comes back: every phone asks at once, gets a challenge, answers it.
    const results = await Promise.all(phones.map(async (p, i) => {
      const path = `/prov/yealink/${p.mac}.cfg`;
      const headers = { 'User-Agent': USER_AGENTS.yealink(p.mac) };
      const challenge = await phoneGet(`${srv.url}${path}`, { ip, headers });
      if (challenge.status !== 401) return challenge.status;
      const [c] = challengesOf(challenge);
      return (await phoneGet(`${srv.url}${path}`, { ip, headers: { ...headers, Authorization: digestAuth(c, creds[i].username, creds[i].password, path) } })).status;
    }));
    expect(results).to.deep.equal(Array(15).fill(200));
    expect(logLines.some((l) => l.includes(`provision-ban ip=${ip} `))).to.equal(false);
  });
});

describe('phone security: first contact only soon after the device was created or unlocked', function () {
  this.timeout(60000);
  let srv: RunningServer;
  let k: KazooFixture;
  before(async () => {
    srv = await startTestServer({ indexIntervalMs: 200, probeLimit: 10, failureDelayMs: 1 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  it('refuses the first contact of a device created long ago, serves a new one and one unlocked just now', async () => {
    const account = await k.account({ provision: { provision_enabled: true } });
    const bad = await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_within_minutes: 0 } });
    expect(bad.status).to.equal(400);
    expect(bad.json.message).to.include('first_contact_within_minutes must be null (any time) or an integer number of minutes from 1 to 10080');
    const set = await api(srv, 'PUT', `accounts/${account._id}/provisioning/settings`, { data: { first_contact_within_minutes: 60 } });
    expect(set.status).to.equal(200);
    expect(set.json.data.first_contact_within_minutes).to.equal(60);
    // The fixtures' devices were created in Kazoo in 2024 (pvt_created 63900000000).
    const oldMac = newMac('805ec0');
    const old = await k.device(account._id, { mac: oldMac, brand: 'yealink', family: 't4x', model: 't46s' });
    const freshMac = newMac('805ec0');
    const fresh = { ...kazooDeviceDoc({ id: newId(), accountId: account._id, name: 'New phone', mac: freshMac, username: 'user_new1',
      password: secret('fresh-device-sip-pw-77aa'), brand: 'yealink', family: 't4x', model: 't46s' }, k.prefix), pvt_created: gregorianNow() };
    await k.put(k.accountDbName(account._id), fresh);
    await waitFor(async () => srv.services.macIndex.lookup(oldMac).kind === 'devices' && srv.services.macIndex.lookup(freshMac).kind === 'devices', 5000, 'indexed');

    const get = (mac: string) => phoneGet(`${srv.url}/prov/yealink/${mac}.cfg`, { ip: '127.0.2.1' });
    const refused = await get(oldMac);
    expect(refused.status).to.equal(404);
    expect(refused.text).not.to.include(old.sip.password);
    expect(logLines.some((l) => l.includes(`mac=${oldMac} reason=first_contact_closed`))).to.equal(true);
    const served = await get(freshMac);
    expect(served.status).to.equal(200);
    expect(served.text).to.include('fresh-device-sip-pw-77aa');
    // The operator unlocks the old device (SmartPBX's Unlock): its first contact is open for the next hour.
    expect((await api(srv, 'DELETE', `locks/${account._id}/${oldMac}`, { data: {} })).status).to.equal(200);
    const afterUnlock = await get(oldMac);
    expect(afterUnlock.status).to.equal(200);
    expect(afterUnlock.text).to.include(old.sip.password);
  });
});

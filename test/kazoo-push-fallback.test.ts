// Kazoo's CouchDB unreachable from us while Kazoo pushes devices (issue 6): the pushed settings are
// the device's data until Kazoo's documents can be read again. Kazoo's CouchDB sits behind a TCP
// proxy that is stopped and started; our own state database stays reachable throughout.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileDoc } from '../server/catalog/types.js';
import { neutralType, pushedDoc, pushedPhoneData } from '../server/kazoo/pushed.js';
import { placeKeys } from '../server/render/keys.js';
import type { RunningServer } from '../server/server.js';
import { freshPrefix, logLines, runEnv, startTestServer } from './harness.js';
import { FakeCrossbar } from './fake-crossbar.js';
import { crossbarApi } from './browser/crossbar-api.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { secret } from './fixtures/secrets.js';
import { ADMIN_TOKEN } from './kazoo-tenants.js';
import { http, ROOT, waitFor } from './support.js';
import { TcpProxy } from './tcp-proxy.js';

const PASS = 'url-pass-push-fallback-5c1d';
const profileOf = (brand: string) => JSON.parse(readFileSync(join(ROOT, 'seed-brands', brand, 'profile.json'), 'utf8')) as ProfileDoc;

/** Keys as provisioner_v5 sends them for a Yealink: already translated to Yealink's codes (reference §3.3). */
const YEALINK_KEYS = {
  0: { key: { type: '15', value: '', account: '1' } },
  1: { key: { type: '16', value: '4711', label: 'Kim Target', account: '1' } },
  2: { key: { type: '13', value: '5559876', label: 'Hotline', account: '1' } },
  3: { key: { type: '10', value: '*35', label: 'Park 5', account: '1' } },
  4: { key: { type: '10', value: '*32001', label: 'Park Olga Owner', account: '1' } },
  5: { key: { type: '99', value: 'x', label: 'Mystery', account: '1' } },
  account: '1',
};

function pushBody(password: string, over: Record<string, unknown> = {}) {
  return { create_if_missing: true, generate: true, merge: true,
    data: { brand: 'yealink', family: 't4x', model: 't46s', name: 'Front desk', settings: {
      lines: { 0: { basic: { display_name: 'Front desk', enable: true, enabled: true },
        sip: { username: 'user_pushed01', password: secret(password), realm: 'pushed.sip.example.com' },
        advanced: { expire: 600, srtp: false } } },
      codecs: { 0: { audio: { primary_codec: 'PCMA', secondary_codec: null, tertiary_codec: 'G722', quaternary_codec: null } } },
      datetime: { time: { timezone: 'Europe/Berlin' } },
      combo_keys: YEALINK_KEYS,
      line_keys: { 0: { key: { account: '1', type: '15' } } },
      ...over,
    } } };
}

describe('pushed settings → the renderer’s input (server/kazoo/pushed.ts)', () => {
  const yealink = profileOf('yealink');

  it('maps Yealink codes back to our key types by code and by the shape Kazoo gave the value', () => {
    expect(neutralType(yealink, '16', '4711', 'Kim Target')).to.equal('presence');
    expect(neutralType(yealink, '13', '5559876', 'Hotline')).to.equal('speed_dial');
    expect(neutralType(yealink, '15', '', '')).to.equal('line');
    expect(neutralType(yealink, '10', '*35', 'Park 5')).to.equal('parking');
    expect(neutralType(yealink, '10', '*32001', 'Park Olga Owner')).to.equal('personal_parking');
    expect(neutralType(yealink, '99', 'x', 'Mystery')).to.deep.equal({ why: 'no Yealink key type has it' });
    // Code 16 but no value: no BLF Kazoo makes looks like that.
    expect(neutralType(yealink, '16', '', 'x')).to.have.property('why').that.includes('fits none');
  });

  it('refuses to guess when the vendor gives several types one code (Fanvil: BLF and speed dial are both "1")', () => {
    const fanvil = profileOf('fanvil');
    expect(neutralType(fanvil, '1', '4711', 'Kim Target')).to.have.property('why').that.includes('do not tell which');
    expect(neutralType(fanvil, '1', '*35', 'Park 5')).to.equal('parking');
    expect(neutralType(fanvil, '2', '', '')).to.equal('line');
  });

  it('builds a device Kazoo would have stored, and keys that place as Kazoo’s would', () => {
    const body = pushBody('unit-test-pass-0001');
    const doc = pushedDoc('a'.repeat(32), '805ec0aabbcc', body.data, 0);
    const data = pushedPhoneData(doc, undefined, yealink);
    const d = data.devices[0];
    expect(d.sip).to.deep.equal({ username: 'user_pushed01', password: 'unit-test-pass-0001', realm: 'pushed.sip.example.com', expire_seconds: 600 });
    expect(d.media?.audio?.codecs).to.deep.equal(['PCMA', 'G722']);
    expect(d.provision).to.include({ endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't46s' });
    expect(d.enabled).to.equal(true);
    expect(d.timezone).to.equal('Europe/Berlin');
    // No account mirror: the line's realm and the pushed timezone.
    expect(data.account).to.include({ _id: 'a'.repeat(32), realm: 'pushed.sip.example.com', timezone: 'Europe/Berlin' });
    expect(data.problems).to.deep.equal(['combo key 6: pushed code "99" dropped: no Yealink key type has it']);

    const placed = placeKeys({ comboKeys: d.provision!.combo_keys, featureKeys: d.provision!.feature_keys, profile: yealink,
      caps: { lines: 1, line_keys: 10, memory_keys: 0, expansion_modules: 0, max_expansion_modules: 0, expansion_keys: 0 },
      users: data.users, lineCount: 1, realm: 'pushed.sip.example.com' });
    expect(placed.phone.map((k) => [k.slot, k.code, k.value, k.label])).to.deep.equal([
      [1, '15', '1', 'Line 1'], [2, '16', '4711', 'Kim Target'], [3, '13', '5559876', 'Hotline'],
      [4, '10', '*35', 'Park 5'], [5, '10', '*32001', 'Park Olga Owner']]);
    expect(placed.problems, 'the dropped key is not placed').to.deep.equal([]);
  });

  it('keeps a disabled line disabled, and the account mirror over the pushed realm', () => {
    const body = pushBody('unit-test-pass-0002');
    (body.data.settings.lines as any)[0].basic.enable = false;
    const mirror = { _id: 'b'.repeat(32), realm: 'mirror.sip.example.com', timezone: 'America/Chicago', name: 'Mirror' };
    const data = pushedPhoneData(pushedDoc(mirror._id, '805ec0aabbcd', body.data, 0), mirror, yealink);
    expect(data.devices[0].enabled).to.equal(false);
    expect(data.account).to.equal(mirror);
    expect(data.devices[0].timezone, 'the pushed timezone wins for the device').to.equal('Europe/Berlin');
  });
});

describe('device pushes while Kazoo’s CouchDB is unreachable', function () {
  this.timeout(60000);
  let proxy: TcpProxy;
  let crossbar: FakeCrossbar;
  let srv: RunningServer;
  /** A second instance on the same state database: it learns of pushes from the state database's feed. */
  let srv2: RunningServer;
  let k: KazooFixture;
  let account: string;
  let apiKey: string;
  /** Tokens of a user who is the account's admin and of a plain user (Kazoo reuses the saving user's token). */
  let adminUser: string;
  let plainUser: string;

  before(async () => {
    const prefix = freshPrefix();
    k = new KazooFixture(prefix);
    account = (await k.account({ provision: { provision_enabled: true, urlpass: PASS } }))._id;
    crossbar = await new FakeCrossbar().start();
    // An account API key's token: Kazoo reuses it when scripts save devices, and checking it needs
    // crossbar only, not Kazoo's CouchDB.
    apiKey = crossbar.issue({ accountId: account });
    // Crossbar reads its own CouchDB, which it reaches when we do not.
    crossbar.route = crossbarApi(k);
    adminUser = crossbar.issue({ accountId: account, ownerId: (await k.user(account, { privLevel: 'admin' }))._id });
    plainUser = crossbar.issue({ accountId: account, ownerId: (await k.user(account, { privLevel: 'user' }))._id });
    proxy = await TcpProxy.create(runEnv().couchUrl);
    srv = await startTestServer({ dbPrefix: prefix, kazooDbPrefix: prefix, kazooApiUrl: crossbar.url, adminToken: ADMIN_TOKEN,
      kazooCouchdbUrl: proxy.url, indexIntervalMs: 200 });
    srv2 = await startTestServer({ ...srv.app.config });
  });
  after(async () => {
    await srv2?.close();
    await srv?.close();
    await crossbar?.stop();
    await proxy?.stop();
  });

  const call = (method: string, path: string, json?: unknown, token = ADMIN_TOKEN) =>
    http(`${srv.url}/api/${path}`, { method, headers: { 'x-auth-token': token }, json });
  const phoneFile = (mac: string, on = srv) => http(`${on.url}/prov/yealink/${mac}.cfg?pass=${PASS}`);
  const onOther = (mac: string, what: string, check: (r: Awaited<ReturnType<typeof phoneFile>>) => boolean) =>
    waitFor(async () => check(await phoneFile(mac, srv2)), 10000, `the other instance: ${what}`);
  const pushedDocs = async (accountId: string) => (await srv.app.stateDb.view('state', 'by_account',
    { startkey: [accountId, 'pushed_device'], endkey: [accountId, 'pushed_device', {}] })).rows;
  /** Runs `fn` with Kazoo's CouchDB gone, and brings it back (readable again) whatever happens. */
  const whileDown = async (fn: () => Promise<void>) => {
    await proxy.stop();
    try {
      await fn();
    } finally {
      await proxy.start();
      await waitFor(async () => (await srv.services.macIndex.catchUp(account).then(() => true)), 10000, 'Kazoo’s CouchDB readable again');
    }
  };

  it('serves and claims a new device from the push alone: its credentials and keys reach the phone', async () => {
    const mac = newMac('805ec0');
    const password = 'pushed-pass-first-8a7b';
    await whileDown(async () => {
      const res = await call('POST', `devices/${account}/${mac}`, pushBody(password), apiKey);
      expect(res.status, res.text).to.equal(200);
      expect(res.json.data).to.include({ account_id: account, mac_address: mac, brand: 'yealink', source: 'pushed' });
      expect(res.text, 'the answer carries no settings').to.not.include(password);
      expect(res.json.data).to.not.have.property('settings');

      const search = await call('GET', `devices/search/${mac}`);
      expect(search.status).to.equal(200);
      expect(search.json.data).to.include({ account_id: account, in_use: true });

      const file = await phoneFile(mac);
      expect(file.status, file.text).to.equal(200);
      expect(file.text).to.match(new RegExp(`^account\\.1\\.password = ${password}$`, 'm'));
      expect(file.text).to.match(/^account\.1\.user_name = user_pushed01$/m);
      expect(file.text).to.match(/^account\.1\.sip_server\.1\.expires = 600$/m);
      // Keys with Yealink's codes: line 15, BLF 16, speed dial 13, park 10.
      expect(file.text).to.match(/^linekey\.1\.type = 15$/m);
      expect(file.text).to.match(/^linekey\.2\.type = 16$/m);
      expect(file.text).to.match(/^linekey\.2\.value = 4711$/m);
      expect(file.text).to.match(/^linekey\.2\.label = Kim Target$/m);
      expect(file.text).to.match(/^linekey\.3\.type = 13$/m);
      expect(file.text).to.match(/^linekey\.3\.value = 5559876$/m);
      expect(file.text).to.match(/^linekey\.4\.type = 10$/m);
      expect(file.text).to.match(/^linekey\.4\.value = \*35$/m);
      expect(file.text).to.match(/^linekey\.5\.value = \*32001$/m);
      // The key with a code Yealink has no type for is left off, and said so.
      expect(file.text).to.not.match(/^linekey\.6\./m);
      expect(file.text).to.not.include('Mystery');
      expect(logLines.some((l) => l.includes('template problem') && l.includes('pushed code'))).to.equal(true);
      await onOther(mac, 'serves the pushed device', (r) => r.status === 200 && r.text.includes(password));
    });
  });

  it('takes a push made with the saving user’s token: the user’s privilege is read through crossbar meanwhile', async () => {
    const mac = newMac('805ec0');
    await whileDown(async () => {
      const res = await call('POST', `devices/${account}/${mac}`, pushBody('pushed-pass-user-77e1'), adminUser);
      expect(res.status, res.text).to.equal(200);
      expect(res.json.data.source).to.equal('pushed');
      expect((await phoneFile(mac)).text).to.include('pushed-pass-user-77e1');
      const refused = await call('POST', `devices/${account}/${newMac('805ec0')}`, pushBody('pushed-pass-user-77e2'), plainUser);
      expect(refused.status, 'a plain user may not push devices').to.equal(403);
    });
  });

  it('serves a second push’s new password at once (no stale render), and a DELETE push frees the MAC at once', async () => {
    const mac = newMac('805ec0');
    await whileDown(async () => {
      expect((await call('POST', `devices/${account}/${mac}`, pushBody('pushed-pass-old-4c3d'))).json.data.source).to.equal('pushed');
      expect((await phoneFile(mac)).text).to.include('pushed-pass-old-4c3d');
      await onOther(mac, 'serves the first password', (r) => r.text.includes('pushed-pass-old-4c3d'));
      expect((await call('POST', `devices/${account}/${mac}`, pushBody('pushed-pass-new-9e8f'))).status).to.equal(200);
      const file = await phoneFile(mac);
      expect(file.text).to.include('pushed-pass-new-9e8f');
      expect(file.text).to.not.include('pushed-pass-old-4c3d');
      await onOther(mac, 'serves the new password', (r) => r.text.includes('pushed-pass-new-9e8f') && !r.text.includes('pushed-pass-old-4c3d'));

      const del = await call('DELETE', `devices/${account}/${mac}`);
      expect(del.status, del.text).to.equal(200);
      expect(del.json.data.source).to.equal('pushed');
      expect((await call('GET', `devices/search/${mac}`)).status).to.equal(404);
      expect((await phoneFile(mac)).status).to.equal(404);
      expect(await pushedDocs(account)).to.deep.equal([]);
      await onOther(mac, 'refuses the deleted device', (r) => r.status === 404);
    });
  });

  it('frees a MAC indexed from Kazoo before the outage when Kazoo deletes the device meanwhile', async () => {
    const mac = newMac('805ec0');
    const device = await k.device(account, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => (await phoneFile(mac)).status === 200, 10000, 'the device indexed from Kazoo');
    await whileDown(async () => {
      await k.remove(account, device._id);
      expect((await call('DELETE', `devices/${account}/${mac}`)).json.data.source).to.equal('pushed');
      expect((await call('GET', `devices/search/${mac}`)).status).to.equal(404);
      expect((await phoneFile(mac)).status).to.equal(404);
    });
  });

  it('goes back to Kazoo’s documents once they can be read: the pushed copy is dropped', async () => {
    const mac = newMac('805ec0');
    await proxy.stop();
    // Kazoo saves the device in its own database (which we cannot reach), then pushes it.
    const device = await k.device(account, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    try {
      expect((await call('POST', `devices/${account}/${mac}`, pushBody('pushed-pass-stale-1a2b'))).json.data.source).to.equal('pushed');
      expect((await phoneFile(mac)).text).to.include('pushed-pass-stale-1a2b');
      expect(await pushedDocs(account)).to.have.length(1);
    } finally {
      await proxy.start();
    }
    // No push, no catch-up by hand: the next sweep reads Kazoo's documents and drops what was pushed.
    await waitFor(async () => (await pushedDocs(account)).length === 0, 10000, 'the pushed doc dropped after the sweep');
    const file = await phoneFile(mac);
    expect(file.status).to.equal(200);
    expect(file.text).to.include(device.sip.password);
    expect(file.text).to.not.include('pushed-pass-stale-1a2b');
    expect((await call('GET', `devices/search/${mac}`)).status).to.equal(200);
    // A push now reads Kazoo's database again.
    expect((await call('POST', `devices/${account}/${mac}`, pushBody('pushed-pass-ignored-3c4d'))).json.data.source).to.equal('kazoo');
    expect((await phoneFile(mac)).text).to.include(device.sip.password);
    expect(await pushedDocs(account)).to.deep.equal([]);
  });

  it('removes the pushed devices with the account when Kazoo deletes it', async () => {
    const other = (await k.account({ provision: { provision_enabled: true, urlpass: PASS } }))._id;
    await waitFor(async () => srv.services.kazoo.account(other), 10000, 'the directory to see the account');
    const mac = newMac('805ec0');
    await whileDown(async () => {
      expect((await call('POST', `devices/${other}/${mac}`, pushBody('pushed-pass-gone-5e6f'))).json.data.source).to.equal('pushed');
      expect(await pushedDocs(other)).to.have.length(1);
      const res = await call('DELETE', `accounts/${other}`);
      expect(res.status, res.text).to.equal(200);
      expect(await pushedDocs(other)).to.deep.equal([]);
      const all = await srv.app.stateDb.list({ include_docs: true });
      expect(all.rows.filter((r: any) => JSON.stringify(r.doc).includes(other)).map((r) => r.id)).to.deep.equal([]);
      expect((await call('GET', `devices/search/${mac}`)).status).to.equal(404);
      expect((await phoneFile(mac)).status).to.equal(404);
    });
  });

  it('answers 400 with a JSON pointer for settings it could not serve, and stores nothing', async () => {
    const mac = newMac('805ec0');
    await whileDown(async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ lines: [{ sip: { username: 'u', password: 'p' } }] }, '/data/settings/lines'],
        [{ lines: { 0: { sip: { password: { nested: 'nonsense' } } } } }, '/data/settings/lines/0/sip/password'],
        [{ combo_keys: { 1: { key: 'BLF' } } }, '/data/settings/combo_keys/1/key'],
        [{ codecs: { 0: { audio: 'PCMA' } } }, '/data/settings/codecs/0/audio'],
      ];
      for (const [over, pointer] of cases) {
        const res = await call('POST', `devices/${account}/${mac}`, pushBody('pushed-pass-bad-7a8b', over));
        expect(res.status, pointer).to.equal(400);
        expect(res.json).to.include({ status: 'error', error: 'bad_request' });
        expect(res.json.data.pointer, res.text).to.equal(pointer);
        expect(res.json.message).to.include(pointer.slice(1).replace(/\//g, '.'));
        expect(res.text).to.not.include('pushed-pass-bad-7a8b');
      }
      expect((await call('GET', `devices/search/${mac}`)).status).to.equal(404);
      expect(await pushedDocs(account)).to.deep.equal([]);
    });
  });

  it('wrote none of the pushed SIP passwords to the log', () => {
    const pushed = ['pushed-pass-first-8a7b', 'pushed-pass-old-4c3d', 'pushed-pass-new-9e8f', 'pushed-pass-stale-1a2b',
      'pushed-pass-ignored-3c4d', 'pushed-pass-gone-5e6f', 'pushed-pass-bad-7a8b'];
    expect(logLines.length).to.be.greaterThan(0);
    expect(logLines.filter((l) => pushed.some((p) => l.includes(p)))).to.deep.equal([]);
  });
});

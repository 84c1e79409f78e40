import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nano from 'nano';
import { XMLValidator } from 'fast-xml-parser';
import { freePort, startEmbeddedCouch } from '../server/couch/embedded.js';
import { capabilitiesOf, type TemplateDoc } from '../server/catalog/types.js';
import { filesOf, fileNameFor } from '../server/phones/files.js';
import type { RunningServer } from '../server/server.js';
import { startServer } from '../server/server.js';
import { startTestServer, testConfig, testLog, logLines } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';

const PASS = 'url-pass-for-tests-9f8e7d';

/** One account with a target user (for BLF keys) and an owner, as Kazoo would hold them. */
async function tenant(k: KazooFixture, opts: { urlpass?: string | null } = {}) {
  const account = await k.account({ provision: { provision_enabled: true, ...(opts.urlpass === null ? {} : { urlpass: opts.urlpass ?? PASS }),
    admin_password: 'phone-admin-pw-31337' } });
  const owner = await k.user(account._id, { first: 'Olga', last: 'Owner', presenceId: '2001' });
  const target = await k.user(account._id, { first: 'Kim', last: 'Target', presenceId: '4711' });
  return { account, owner, target };
}

function pickTemplate(templates: TemplateDoc[], brand: string, withModules: boolean): TemplateDoc | undefined {
  return templates.filter((t) => t.endpoint_brand === brand)
    .filter((t) => (capabilitiesOf(t).expansion_modules > 0) === withModules)
    .sort((a, b) => capabilitiesOf(b).line_keys - capabilitiesOf(a).line_keys || a._id.localeCompare(b._id))[0];
}

describe('serving desk phones', function () {
  this.timeout(60000);
  let srv: RunningServer;
  let k: KazooFixture;

  before(async () => {
    srv = await startTestServer({ indexIntervalMs: 200 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  const get = (path: string, headers: Record<string, string> = {}) => http(`${srv.url}${path}`, { headers });
  const served = (path: string) => waitFor(async () => { const r = await get(path); return r.status === 200 ? r : null; }, 5000, `200 for ${path}`);

  describe('every seeded brand', () => {
    const brands = ['snom', 'yealink', 'mitel', 'polycom', 'grandstream', 'cisco', 'panasonic', 'fanvil', 'htek'];
    for (const brand of brands) {
      it(`${brand}: per-MAC file has the credentials and keys, common files have none`, async () => {
        const templates = srv.services.catalog.allTemplates();
        const t = pickTemplate(templates, brand, false);
        expect(t, `a ${brand} template`).to.exist;
        const profile = srv.services.catalog.profile(brand)!;
        const { account, owner, target } = await tenant(k);
        const mac = newMac(profile.ouis?.[0] || '001122');
        const caps = capabilitiesOf(t!);
        const keys: Record<string, unknown> = {};
        // BLF on the phone's first programmable key (or memory key), a speed dial on the second.
        if (caps.line_keys + caps.memory_keys >= 2 && profile.key_types?.presence !== undefined) {
          keys['0'] = { type: 'presence', value: target._id };
          keys['1'] = { type: 'speed_dial', value: { value: '5559876', label: 'Hotline' } };
        }
        const useMemory = caps.memory_keys > 0;
        const model = { brand, family: String(t!.endpoint_family), model: String(t!.endpoint_model) };
        const device = await k.device(account._id, { mac, ownerId: owner._id, ...model, ...(useMemory ? { featureKeys: keys } : { comboKeys: keys }) });
        // A second Kazoo device with the same MAC is the phone's second line, where it has one.
        const second = caps.lines >= 2 ? await k.device(account._id, { mac, ...model }) : null;
        const files = filesOf(t!, profile);
        expect(files.some((f) => f.scope === 'device' && f.sections.includes('cfg_account')), 'a file with the lines').to.equal(true);
        for (const file of files) {
          const name = fileNameFor(file, mac, profile);
          const res = file.scope === 'device' ? await served(`/prov/${brand}/${name}?pass=${PASS}`) : await get(`/prov/${brand}/${name}`);
          expect(res.status, `${brand} ${name}`).to.equal(200);
          if (file.scope === 'device' && file.sections.includes('cfg_account')) {
            const full = second ? await waitFor(async () => {
              const r = await get(`/prov/${brand}/${name}?pass=${PASS}`);
              return r.text.includes(second.sip.password) ? r : null;
            }, 5000, 'second line') : res;
            expect(full.text, name).to.include(device.sip.password);
            expect(full.text, name).to.include(device.sip.username);
            if (second) expect(full.text, `${name}: second line`).to.include(second.sip.username);
            if (keys['0']) {
              expect(full.text, `${name}: BLF key watches the target`).to.include('4711');
              expect(full.text, `${name}: speed dial`).to.include('5559876');
            }
          } else if (file.scope === 'common') {
            expect(res.text, name).to.not.include(device.sip.password);
            expect(res.text, name).to.not.include(device.sip.username);
            expect(res.text, name).to.not.include('phone-admin-pw-31337');
            expect(res.text, name).to.not.include(account.realm);
          }
          if (t!.pvt_generator === 'json2xml') expect(XMLValidator.validate(res.text), `${name} is well-formed XML`).to.equal(true);
          expect(res.text, `${name} has no unfilled placeholder`).to.not.match(/\{[A-Z][A-Z0-9_]*\}|\{\{/);
        }
      });

      it(`${brand}: keys beyond the phone go to its expansion module`, async function () {
        const t = pickTemplate(srv.services.catalog.allTemplates(), brand, true);
        if (!t) this.skip(); // this brand's seeded models take no expansion module
        const profile = srv.services.catalog.profile(brand)!;
        const caps = capabilitiesOf(t!);
        const { account, owner } = await tenant(k);
        const mac = newMac(profile.ouis?.[0] || '001122');
        await k.device(account._id, { mac, ownerId: owner._id, brand, family: String(t!.endpoint_family), model: String(t!.endpoint_model),
          comboKeys: { [caps.line_keys]: { type: 'speed_dial', value: '5550101' } } });
        const file = filesOf(t!, profile).find((f) => f.sections.includes('cfg_expkey'));
        expect(file, `${t!._id} has a file with module keys`).to.exist;
        const res = await served(`/prov/${brand}/${fileNameFor(file!, mac, profile)}?pass=${PASS}`);
        expect(res.text, `${t!._id}: the first module key`).to.include('5550101');
      });
    }
  });

  it('writes presence keys with the vendor code from the profile (Yealink 16, speed dial 13)', async () => {
    const { account, owner, target } = await tenant(k);
    const mac = newMac('805ec0');
    await k.device(account._id, { mac, ownerId: owner._id, brand: 'yealink', family: 't4x', model: 't46s',
      comboKeys: { 0: { type: 'line' }, 2: { type: 'presence', value: target._id }, 3: { type: 'speed_dial', value: '5551234' }, 4: null } });
    const res = await served(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
    expect(res.text).to.match(/^linekey\.1\.type = 15$/m);
    expect(res.text).to.match(/^linekey\.3\.type = 16$/m);
    expect(res.text).to.match(/^linekey\.3\.value = 4711$/m);
    expect(res.text).to.match(/^linekey\.3\.label = Kim Target$/m);
    expect(res.text).to.match(/^linekey\.4\.type = 13$/m);
    expect(res.text).to.not.match(/^linekey\.5\./m);
    expect(res.text.match(/^#!version:1\.0\.0\.1$/gm)).to.have.length(1);
  });

  it('makes two devices with one MAC in one account two lines on the phone', async () => {
    const { account, owner } = await tenant(k);
    const mac = newMac('805ec0');
    const a = await k.device(account._id, { mac, ownerId: owner._id, brand: 'yealink', family: 't4x', model: 't46s' });
    const b = await k.device(account._id, { mac: mac.toUpperCase().match(/../g)!.join(':'), brand: 'yealink', family: 't4x', model: 't46s' });
    const res = await waitFor(async () => {
      const r = await get(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
      return r.text.includes(b.sip.password) ? r : null;
    }, 5000, 'both lines');
    // Same creation time (fixtures): the order is by device id, the same on every render.
    const [first, second] = [a, b].sort((x, y) => x._id.localeCompare(y._id));
    expect(res.text).to.include(`account.1.password = ${first.sip.password}`);
    expect(res.text).to.include(`account.2.password = ${second.sip.password}`);
  });

  it('puts keys beyond the phone on its expansion module', async () => {
    const t = pickTemplate(srv.services.catalog.allTemplates(), 'yealink', true)!;
    const caps = capabilitiesOf(t);
    const { account, owner, target } = await tenant(k);
    const mac = newMac('805ec0');
    await k.device(account._id, { mac, ownerId: owner._id, brand: 'yealink', family: String(t.endpoint_family), model: String(t.endpoint_model),
      comboKeys: { [caps.line_keys]: { type: 'presence', value: target._id }, [caps.line_keys + 1]: { type: 'speed_dial', value: '5550101' } } });
    const res = await served(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
    expect(res.text).to.match(/^expansion_module\.1\.key\.1\.type = 16$/m);
    expect(res.text).to.match(/^expansion_module\.1\.key\.1\.value = 4711$/m);
    expect(res.text).to.match(/^expansion_module\.1\.key\.2\.value = 5550101$/m);
  });

  it('sees a device change within 5 s, and a deleted device gets 404', async () => {
    const { account, owner } = await tenant(k);
    const mac = newMac('805ec0');
    const d = await k.device(account._id, { mac, ownerId: owner._id, brand: 'yealink', family: 't4x', model: 't46s' });
    await served(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
    await k.update(account._id, d._id, (doc) => { doc.sip.password = 'changed-password-777'; });
    const t0 = Date.now();
    await waitFor(async () => (await get(`/prov/yealink/${mac}.cfg?pass=${PASS}`)).text.includes('changed-password-777'), 5000, 'new password');
    expect(Date.now() - t0).to.be.below(5000);
    // A new MAC moves the config; the old MAC is gone.
    const mac2 = newMac('805ec0');
    await k.update(account._id, d._id, (doc) => { doc.mac_address = mac2; });
    await served(`/prov/yealink/${mac2}.cfg?pass=${PASS}`);
    expect((await get(`/prov/yealink/${mac}.cfg?pass=${PASS}`)).status).to.equal(404);
    await k.remove(account._id, d._id);
    await waitFor(async () => (await get(`/prov/yealink/${mac2}.cfg?pass=${PASS}`)).status === 404, 5000, '404 after delete');
  });

  it('serves nothing for a MAC claimed by two accounts, and lists the conflict', async () => {
    const one = await tenant(k);
    const two = await tenant(k);
    const mac = newMac('805ec0');
    await k.device(one.account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await served(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
    await k.device(two.account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => srv.services.macIndex.conflicts().some((c) => c.mac === mac), 5000, 'conflict');
    expect((await get(`/prov/yealink/${mac}.cfg?pass=${PASS}`)).status).to.equal(404);
    expect(srv.services.macIndex.conflicts(one.account._id).find((c) => c.mac === mac)!.accounts)
      .to.have.members([one.account._id, two.account._id]);
    expect(logLines.some((l) => l.includes(`mac=${mac} reason=mac_conflict`))).to.equal(true);
  });

  it('answers 304 to an unchanged file and the same bytes every time', async () => {
    const { account, owner } = await tenant(k);
    const mac = newMac('000413');
    await k.device(account._id, { mac, ownerId: owner._id, brand: 'snom', family: 'dxxx', model: 'd785' });
    const first = await served(`/prov/snom/settings.php?mac=${mac}&pass=${PASS}`);
    srv.services.phoneFiles.clear();
    const again = await get(`/prov/snom/settings.php?mac=${mac}&pass=${PASS}`);
    expect(again.text).to.equal(first.text);
    expect(again.headers.get('etag')).to.equal(first.headers.get('etag'));
    const notModified = await get(`/prov/snom/${mac}.xml?pass=${PASS}`, { 'If-None-Match': first.headers.get('etag')! });
    expect(notModified.status).to.equal(304);
    // snom's own default file name reaches the same config.
    const byDefaultName = await get(`/prov/snom/snomD785-${mac.toUpperCase()}.htm?pass=${PASS}`);
    expect(byDefaultName.text).to.equal(first.text);
  });

  it('answers HEAD with the headers of GET and no body, other methods with 405, and logs and counts every answer', async () => {
    const { account, owner } = await tenant(k);
    const mac = newMac('805ec0');
    await k.device(account._id, { mac, ownerId: owner._id, brand: 'yealink', family: 't4x', model: 't46s' });
    const path = `/prov/yealink/${mac}.cfg?pass=${PASS}`;
    const full = await served(path);
    const countBefore = (await get('/metrics')).text;
    const head = await fetch(`${srv.url}${path}`, { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.headers.get('etag')).to.equal(full.headers.get('etag'));
    expect(head.headers.get('content-type')).to.equal(full.headers.get('content-type'));
    expect(head.headers.get('content-length')).to.equal(String(Buffer.byteLength(full.text)));
    expect((await head.arrayBuffer()).byteLength).to.equal(0);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await http(`${srv.url}${path}`, { method, body: 'x' });
      expect(r.status, method).to.equal(405);
      expect(r.headers.get('allow'), method).to.equal('HEAD, GET');
    }
    // A file name sent percent-encoded is the same file; a path of three segments is not a phone file.
    expect((await get(`/prov/yealink/${mac}%2Ecfg?pass=${PASS}`)).text).to.equal(full.text);
    expect((await get(`/prov/yealink/x/${mac}.cfg?pass=${PASS}`)).status).to.equal(404);
    // Each answer has its access-log line (path only: the URL password stays out) and its count.
    const phoneCount = (text: string, status: string) => Number(new RegExp(`^provision_http_requests_total\\{surface="phones",status="${status}"\\} (\\d+)`, 'm').exec(text)?.[1] || 0);
    const countAfter = (await get('/metrics')).text;
    expect(phoneCount(countAfter, '405') - phoneCount(countBefore, '405')).to.equal(3);
    expect(phoneCount(countAfter, '200') - phoneCount(countBefore, '200')).to.be.at.least(2);
    const lines = logLines.filter((l) => l.includes(`"path":"/prov/yealink/${mac}.cfg"`) && l.includes('"method":"HEAD"'));
    expect(lines.length).to.equal(1);
    expect(lines[0]).to.include('"status":200').and.not.include(PASS);
  });

  it('refuses the wrong URL password, a disabled account, an unknown MAC and a foreign UA MAC alike', async () => {
    const { account, owner } = await tenant(k);
    const mac = newMac('805ec0');
    await k.device(account._id, { mac, ownerId: owner._id, brand: 'yealink', family: 't4x', model: 't46s' });
    const ok = await served(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
    const refusals = [
      await get(`/prov/yealink/${mac}.cfg?pass=wrong`),
      await get(`/prov/yealink/${mac}.cfg`),
      await get(`/prov/yealink/${newMac('805ec0')}.cfg?pass=${PASS}`),
      await get(`/prov/yealink/${mac}.cfg?pass=${PASS}`, { 'User-Agent': `Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:01` }),
    ];
    for (const r of refusals) {
      expect(r.status).to.equal(404);
      expect(r.text).to.equal('Not Found\n');
    }
    expect(ok.status).to.equal(200);
    await k.update(account._id, account._id, (doc) => { doc.provision.provision_enabled = false; });
    await waitFor(async () => (await get(`/prov/yealink/${mac}.cfg?pass=${PASS}`)).status === 404, 5000, '404 when disabled');
  });

  it('renders a template in the original project’s format with its placeholders filled', async () => {
    // A document as the original's DB_INSTALL shipped it: no files, no format, {PLACEHOLDER} tokens.
    const legacy = {
      _id: 'ui/mitel/67xx/6753-1', pvt_type: 'provisioner', pvt_generator: 'json2plain', pvt_counter: 1,
      endpoint_brand: 'mitel', endpoint_family: '67xx', endpoint_model: '6753-1', views: 3,
      usr_keys: { setable_phone_keys: '6', setable_phone_key_counter: '1', setable_phone_key_value: 'fkey',
        setable_module_keys: '36', setable_module_key_counter: '1', setable_module_key_value: 'extkey' },
      cfg_account: {
        'sip line{ACCOUNT} auth name': { value: ' {SIPAUTHNAME}' }, 'sip line{ACCOUNT} password': { value: ' {SIPSECRET}' },
        'sip line{ACCOUNT} user name': { value: ' {SIPUSERNAME}' }, 'sip line{ACCOUNT} display name': { value: ' {SIPCALLERID}' },
        'sip line{ACCOUNT} proxy ip': { value: ' {PROXY_SERVER}' }, 'sip line{ACCOUNT} proxy port': { value: ' {PROXY_PORT}' },
        'sip line{ACCOUNT} vmail': { value: ' {VMSD}' },
      },
      cfg_base: { 'download protocol': { value: ' HTTP' } },
      cfg_behavior: { 'time server1': { value: ' {NTP_SERVER}' }, 'sip registration period': { value: ' {PHONE_REREGISTER}' } },
      cfg_tone: { 'tone set': { value: ' Germany' } }, cfg_key: {},
    };
    await srv.app.catalogDb.insert(legacy);
    await waitFor(async () => srv.services.catalog.templateById(legacy._id), 5000, 'legacy template in the catalog');
    const { account, owner } = await tenant(k);
    const mac = newMac('00085d');
    const d = await k.device(account._id, { mac, ownerId: owner._id, brand: 'mitel', family: '67xx', model: '6753-1' });
    const res = await served(`/prov/mitel/${mac.toUpperCase()}.cfg?pass=${PASS}`);
    expect(res.text).to.include(`sip line1 auth name: ${d.sip.username}\n`);
    expect(res.text).to.include(`sip line1 password: ${d.sip.password}\n`);
    expect(res.text).to.include('sip line1 display name: Olga Owner\n');
    expect(res.text).to.include(`sip line1 proxy ip: ${account.realm}\n`);
    expect(res.text).to.include('sip line1 vmail: *97\n');
    expect(res.text).to.include('sip registration period: 300\n');
    expect(res.text).to.not.match(/\{[A-Z_]+\}/);
    // The /prov/aastra/ alias reaches the same phone, as Aastra's "http path: prov/aastra" expects.
    expect((await get(`/prov/aastra/${mac.toUpperCase()}.cfg?pass=${PASS}`)).text).to.equal(res.text);
  });

  it('logs an unfillable placeholder with the template id and never sends it to the phone', async () => {
    const doc = { _id: 'ui/yealink/t4x/broken', pvt_type: 'provisioner', pvt_generator: 'json2plain', endpoint_brand: 'yealink',
      endpoint_family: 't4x', endpoint_model: 'broken', capabilities: { lines: 1 }, files: [{ name: '{mac}.cfg', scope: 'device', sections: ['cfg_account'] }],
      cfg_account: { 'account.1.user_name': { value: '{{line.username}}' }, 'account.1.logout': { value: '{LOGOUT_SCRIPT}' } } };
    await srv.app.catalogDb.insert(doc);
    await waitFor(async () => srv.services.catalog.templateById(doc._id), 5000, 'template');
    const { account } = await tenant(k);
    const mac = newMac('805ec0');
    await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 'broken' });
    const res = await served(`/prov/yealink/${mac}.cfg?pass=${PASS}`);
    expect(res.text).to.not.include('LOGOUT_SCRIPT');
    expect(res.text).to.match(/^account\.1\.user_name = user_/m);
    expect(logLines.some((l) => l.includes('"template":"ui/yealink/t4x/broken"') && l.includes('{LOGOUT_SCRIPT}'))).to.equal(true);
  });
});

describe('serving desk phones while CouchDB is down', function () {
  this.timeout(90000);
  it('serves the last good config, says degraded, and recovers by itself', async () => {
    // A CouchDB of its own, so stopping it does not disturb the other tests.
    const dir = mkdtempSync(join(tmpdir(), 'kp-down-'));
    const port = await freePort();
    let couch = await startEmbeddedCouch(dir, { port });
    const cfg = { ...testConfig({ dataDir: dir }), couchdbUrl: couch.url, kazooCouchdbUrl: couch.url, indexIntervalMs: 200 };
    const srv = await startServer(cfg, couch.url, testLog);
    try {
      const k = new KazooFixture(cfg.kazooDbPrefix);
      (k as any).server = nano(couch.url);
      const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
      const mac = newMac('805ec0');
      const d = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
      const url = `${srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`;
      const good = await waitFor(async () => { const r = await http(url); return r.status === 200 ? r : null; }, 5000, 'first fetch');
      await couch.stop();
      srv.services.phoneFiles.clear(); // force a render attempt, which cannot reach CouchDB
      const t0 = Date.now();
      const during = await http(url);
      expect(Date.now() - t0).to.be.below(3000);
      expect(during.status).to.equal(200);
      expect(during.text).to.equal(good.text);
      expect(during.text).to.include(d.sip.password);
      await waitFor(async () => (await http(`${srv.url}/healthz`)).status === 503, 5000, 'degraded health');
      expect((await http(`${srv.url}/healthz`)).json).to.include({ status: 'degraded', couchdb: 'down' });
      couch = await startEmbeddedCouch(dir, { port });
      await waitFor(async () => (await http(`${srv.url}/healthz`)).status === 200, 10000, 'healthy again');
      await k.update(account._id, d._id, (doc) => { doc.sip.password = 'after-recovery-pw'; });
      await waitFor(async () => (await http(url)).text.includes('after-recovery-pw'), 15000, 'changes after recovery');
    } finally {
      await srv.close();
      await couch.stop();
    }
  });
});

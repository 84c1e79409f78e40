import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup } from '../server/backup.js';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { waitFor } from './support.js';
import { startServer } from '../server/server.js';
import { runEnv, testConfig, testLog } from './harness.js';
import { TcpProxy } from './tcp-proxy.js';
import { bucketOf, chooseFirmware } from '../server/firmware/policy.js';
import { firmwareVersionOf } from '../server/firmware/user-agent.js';
import { FirmwareCatalog } from '../server/firmware/catalog.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A stand-in image: deterministic bytes, large enough to arrive in several chunks. */
const image = (seed: number, size = 300_000) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff));

describe('firmware: files, policies, phone configs, downloads', function () {
  this.timeout(60000);
  let w: World;
  let mac: string;
  let yealink: { _id: string };
  let cisco: { _id: string };
  let gs: { _id: string };
  const a = image(1);
  const b = image(2, 70_000);
  let idA: string;
  let idB: string;
  const PASS = 'url-pass-firmware';

  const upload = (query: string, body: Buffer, token = w.tokens.superadmin) =>
    fetch(`${w.srv.url}/api/firmware?${query}`, { method: "POST", body: new Uint8Array(body), headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' } })
      .then(async (r) => ({ status: r.status, json: await r.json() as any }));
  const config = async (ua = 'Yealink SIP-T46S 66.86.0.15 ' + mac) => {
    const r = await fetch(`${w.srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`, { headers: { 'User-Agent': ua } });
    expect(r.status).to.equal(200);
    return r.text();
  };
  /** The device's own file as the preview API shows it. */
  const preview = async (device: { _id: string }) => {
    const files = (await w.call('GET', `accounts/${w.account}/devices/${device._id}/config`, w.tokens.accountAdmin)).json.data.files;
    const file = files.find((f: any) => f.scope === 'device').name;
    return (await w.call('GET', `accounts/${w.account}/devices/${device._id}/config/${file}`, w.tokens.accountAdmin)).json.data.content as string;
  };
  const liveFirmwareDocs = async () => (await w.srv.app.stateDb.list({ startkey: 'firmware:', endkey: 'firmware:\ufff0' })).rows.length;

  before(async () => {
    w = await startWorld();
    await w.kazoo.update(w.account, w.account, (doc) => { doc.provision = { provision_enabled: true, urlpass: PASS }; });
    mac = newMac('805ec0');
    yealink = await w.kazoo.device(w.account, { name: 'Yealink desk', mac, brand: 'yealink', family: 't4x', model: 't46s' });
    cisco = await w.kazoo.device(w.account, { name: 'Cisco desk', mac: newMac('00562b'), brand: 'cisco', family: 'mpp88xx', model: 'cp8851' });
    gs = await w.kazoo.device(w.account, { name: 'GS desk', mac: newMac('000b82'), brand: 'grandstream', family: 'gxp21xx', model: 'gxp2170' });
    await waitFor(async () => w.srv.services.macIndex.lookup(mac).kind === 'devices', 5000, 'index');
  });
  after(async () => { await w.close(); });

  it('stores an upload with its SHA-256 and lists it; only catalog admins may upload', async () => {
    const res = await upload(`brand=yealink&version=66.86.0.20&file_name=T46S-66.86.0.20.rom&models=t4x/t46s&sha256=${sha(a)}`, a);
    expect(res.status, JSON.stringify(res.json)).to.equal(201);
    expect(res.json.data).to.include({ brand: 'yealink', version: '66.86.0.20', size: a.length, sha256: sha(a), file_name: 'T46S-66.86.0.20.rom' });
    idA = res.json.data.id;
    expect(res.json.data.url).to.equal(`${w.srv.app.config.publicUrl}/prov/fw/${idA}/T46S-66.86.0.20.rom`);
    const b1 = await upload('brand=yealink&version=66.86.0.30&file_name=T46S-66.86.0.30.rom', b);
    expect(b1.status).to.equal(201);
    idB = b1.json.data.id;
    const list = await w.call('GET', 'firmware', w.tokens.user);
    expect(list.json.data.map((f: any) => f.id)).to.have.members([idA, idB]);
    const denied = await upload('brand=yealink&version=1.0.0&file_name=x.rom', b, w.tokens.accountAdmin);
    expect(denied.status).to.equal(403);
  });

  it('keeps a finished upload listed when the feed brings its pending revision late, and a deletion stays deleted', () => {
    const cat = new FirmwareCatalog(w.srv.app as never);
    const doc = { _id: 'firmware:race', pvt_type: 'firmware' as const, brand: 'yealink', models: [], version: '1', file_name: 'a.rom',
      content_type: 'application/octet-stream', size: 1, sha256: '0'.repeat(64), uploaded_at: 1, uploaded_by: 'x' };
    cat.apply(doc._id, { ...doc, _rev: '3-c' });                       // the route, after the upload finished
    cat.apply(doc._id, { ...doc, pending: true, _rev: '1-a' }, '1-a');  // the feed, late: the pending document
    expect(cat.file('race'), 'the finished file stays listed').to.not.equal(undefined);
    cat.apply(doc._id, null);                                           // the route deletes it (generation 4)
    cat.apply(doc._id, { ...doc, _rev: '3-c' }, '3-c');                 // the feed, late: the finished document
    expect(cat.file('race'), 'a deleted file does not come back').to.equal(undefined);
  });

  it('refuses a body whose SHA-256 is not the expected one, and keeps nothing of it', async () => {
    const before = await liveFirmwareDocs();
    const res = await upload(`brand=yealink&version=66.86.0.99&file_name=bad.rom&sha256=${sha(b)}`, a);
    expect(res.status).to.equal(400);
    expect(res.json.message).to.include(sha(a)).and.include('nothing was stored');
    expect(await liveFirmwareDocs()).to.equal(before);
    expect((await w.call('GET', 'firmware', w.tokens.superadmin)).json.data).to.have.length(2);
    for (const [q, field] of [['brand=nokia&version=1&file_name=a.bin', 'brand'], ['brand=yealink&file_name=a.bin', 'version'],
      ['brand=yealink&version=1&file_name=../x', 'file_name'], ['brand=yealink&version=1&file_name=a.bin&models=t4x/nope', 'models'],
      ['brand=yealink&version=1&file_name=a.bin&sha256=abc', 'sha256']]) {
      const r = await upload(q, b);
      expect(r.status, q).to.equal(400);
      expect(r.json.data.field, q).to.equal(field);
    }
    expect(await liveFirmwareDocs()).to.equal(before);
  });

  it('serves the image with ETag and byte ranges (206, Content-Range, 416)', async () => {
    const url = `${w.srv.url}/prov/fw/${idA}/T46S-66.86.0.20.rom`;
    const full = await fetch(url);
    expect(full.status).to.equal(200);
    expect(full.headers.get('etag')).to.equal(`"${sha(a)}"`);
    expect(full.headers.get('accept-ranges')).to.equal('bytes');
    expect(Buffer.from(await full.arrayBuffer()).equals(a)).to.equal(true);
    const part = await fetch(url, { headers: { range: 'bytes=100000-100099' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 100000-100099/${a.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(a.subarray(100000, 100100))).to.equal(true);
    const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
    expect(tail.status).to.equal(206);
    expect(tail.headers.get('content-range')).to.equal(`bytes ${a.length - 10}-${a.length - 1}/${a.length}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(a.subarray(a.length - 10))).to.equal(true);
    const resume = await fetch(url, { headers: { range: `bytes=${a.length - 5000}-` } });
    expect(resume.status).to.equal(206);
    expect(Buffer.from(await resume.arrayBuffer()).equals(a.subarray(a.length - 5000))).to.equal(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${a.length}-` } });
    expect(beyond.status).to.equal(416);
    expect(beyond.headers.get('content-range')).to.equal(`bytes */${a.length}`);
    await beyond.arrayBuffer();
    expect((await fetch(url, { headers: { 'if-none-match': `"${sha(a)}"` } })).status).to.equal(304);
    const unknown = await fetch(`${w.srv.url}/prov/fw/${'0'.repeat(32)}/x.rom`);
    expect(unknown.status).to.equal(404);
    await unknown.arrayBuffer();
  });

  it('ends a download that CouchDB breaks off mid-body, and goes on serving (the break is no uncaught error)', async () => {
    const big = image(3, 4_000_000);
    const up = await upload(`brand=yealink&version=66.86.0.31&file_name=T46S-66.86.0.31.rom&models=t4x/t46s&sha256=${sha(big)}`, big);
    expect(up.status, JSON.stringify(up.json)).to.equal(201);
    const id = up.json.data.id;
    // A second instance whose CouchDB connection can be cut, as a node that dies under a download.
    const proxy = await TcpProxy.create(runEnv().couchUrl);
    const srv = await startServer(testConfig({ dbPrefix: w.prefix, kazooDbPrefix: w.prefix, kazooCouchdbUrl: proxy.url }), proxy.url, testLog, { skipBootstrap: true });
    try {
      const url = `${srv.url}/prov/fw/${id}/T46S-66.86.0.31.rom`;
      await waitFor(async () => (await fetch(url, { method: 'HEAD' })).status === 200, 10000, 'the image known to the second instance');
      // The image arrives piece by piece; once the answer has begun, the rest is held back and the
      // connection cut, so the cut falls in the middle whatever the machine's speed.
      proxy.slowMs = 100;
      const dl = await fetch(url);
      expect(dl.status).to.equal(200);
      proxy.stall();
      await proxy.stop();
      const reader = dl.body!.getReader();
      let received = 0;
      const ended = await (async () => {
        try {
          for (;;) { const { done, value } = await reader.read(); if (done) return 'complete'; received += value.length; }
        } catch {
          return 'broken';
        }
      })();
      // The phone sees a broken transfer (it resumes with Range later), never a short file taken for whole.
      expect(ended, `${received} bytes`).to.equal('broken');
      await new Promise((r) => setTimeout(r, 500));
      proxy.slowMs = 0;
      proxy.resume();
      await proxy.start();
      await waitFor(async () => (await fetch(url)).status === 200, 10000, 'downloads again once CouchDB answers');
      expect(Buffer.from(await (await fetch(url, { headers: { range: 'bytes=-10' } })).arrayBuffer()).equals(big.subarray(big.length - 10))).to.equal(true);
    } finally {
      await srv.close();
      await proxy.stop();
      await w.call('DELETE', `firmware/${id}`, w.tokens.superadmin);
    }
  });

  it('writes the pinned version into the Yealink config as static.firmware.url, only for the account that pins it', async () => {
    expect(await config()).to.not.include('static.firmware.url');
    const denied = await w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/t46s`, w.tokens.otherAdmin, { data: { firmware_id: idA } });
    expect(denied.status).to.equal(403);
    expect((await w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/t46s`, w.tokens.user, { data: { firmware_id: idA } })).status).to.equal(403);
    const res = await w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/t46s`, w.tokens.accountAdmin, { data: { firmware_id: idA } });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    // Yealink Administrator Guide: static.firmware.url = the URL of the firmware file.
    expect(await config()).to.include(`static.firmware.url = ${w.srv.app.config.publicUrl}/prov/fw/${idA}/T46S-66.86.0.20.rom`);
    // Another account's policies are neither readable nor changed.
    expect((await w.call('GET', `accounts/${w.account}/firmware/policies`, w.tokens.otherAdmin)).status).to.equal(403);
    expect((await w.call('GET', `accounts/${w.other}/firmware/policies`, w.tokens.otherAdmin)).json.data).to.deep.equal([]);
  });

  it('refuses a policy naming a missing file, a file of another model, or a bad percentage', async () => {
    const put = (data: unknown) => w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/t46s`, w.tokens.accountAdmin, { data });
    expect((await put({ firmware_id: 'f'.repeat(32) })).json.message).to.include('no uploaded firmware file');
    const other = await w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/t48s`, w.tokens.accountAdmin, { data: { firmware_id: idA } });
    expect(other.status).to.equal(400);
    expect(other.json.message).to.include('not for yealink/t4x/t48s');
    const pct = await put({ firmware_id: idA, rollout: { firmware_id: idB, percent: 150 } });
    expect(pct.status).to.equal(400);
    expect(pct.json.data.field).to.equal('rollout.percent');
    expect((await w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/nope`, w.tokens.accountAdmin, { data: { firmware_id: idA } })).status).to.equal(404);
    // The pinned file stays in force.
    expect(await config()).to.include(`/prov/fw/${idA}/`);
  });

  it('rolls a new version out to a share of phones chosen by MAC, the same share every time', async () => {
    const macs = Array.from({ length: 400 }, () => newMac('805ec0'));
    const picked = (pct: number) => new Set(macs.filter((m) => chooseFirmware({ firmware_id: 'old', rollout: { firmware_id: 'new', percent: pct } }, m) === 'new'));
    const p30 = picked(30);
    const p60 = picked(60);
    expect(p30.size / macs.length).to.be.within(0.2, 0.4);
    expect(p60.size / macs.length).to.be.within(0.5, 0.7);
    expect([...p30].every((m) => p60.has(m)), 'raising the share only adds phones').to.equal(true);
    expect(picked(30)).to.deep.equal(p30);
    // End to end: this phone's bucket decides, at the edge.
    const bucket = bucketOf(mac);
    const put = (percent: number) => w.call('PUT', `accounts/${w.account}/firmware/policies/yealink/t4x/t46s`, w.tokens.accountAdmin,
      { data: { firmware_id: idA, rollout: { firmware_id: idB, percent } } });
    expect((await put(bucket + 1)).status).to.equal(200);
    expect(await config()).to.include(`/prov/fw/${idB}/T46S-66.86.0.30.rom`);
    expect((await put(bucket)).status).to.equal(200);
    expect(await config()).to.include(`/prov/fw/${idA}/T46S-66.86.0.20.rom`);
  });

  it('applies the catalog-wide policy where an account has none, with each brand\'s own key', async () => {
    const c = await upload('brand=cisco&version=11-3-7&file_name=sip88xx.11-3-7MPP0001-272.loads&models=mpp88xx/cp8851', b);
    const g = await upload('brand=grandstream&version=1.0.11.74&file_name=gxp2170fw.bin', b);
    expect((await w.call('PUT', 'firmware/policies/cisco/mpp88xx/cp8851', w.tokens.accountAdmin, { data: { firmware_id: c.json.data.id } })).status).to.equal(403);
    expect((await w.call('PUT', 'firmware/policies/cisco/mpp88xx/cp8851', w.tokens.superadmin, { data: { firmware_id: c.json.data.id } })).status).to.equal(200);
    expect((await w.call('PUT', 'firmware/policies/grandstream/gxp21xx/gxp2170', w.tokens.superadmin, { data: { firmware_id: g.json.data.id } })).status).to.equal(200);
    const base = w.srv.app.config.publicUrl;
    // Cisco Provisioning Guide: <Upgrade_Rule> holds the firmware URL.
    expect(await preview(cisco))
      .to.include(`<Upgrade_Rule ua="na">${base}/prov/fw/${c.json.data.id}/sip88xx.11-3-7MPP0001-272.loads</Upgrade_Rule>`);
    // Grandstream: P192 Firmware Server Path, host[:port]/path without the scheme; the phone adds its file name.
    expect(await preview(gs)).to.include(`<P192>${base.replace(/^https?:\/\//, '')}/prov/fw/${g.json.data.id}</P192>`);
    const byPhoneName = await fetch(`${w.srv.url}/prov/fw/${g.json.data.id}/gxp2170fw.bin`);
    expect(byPhoneName.status).to.equal(200);
    expect(Buffer.from(await byPhoneName.arrayBuffer()).equals(b)).to.equal(true);
    const policies = (await w.call('GET', `accounts/${w.account}/firmware/policies`, w.tokens.accountAdmin)).json.data;
    expect(policies.map((p: any) => `${p.scope} ${p.brand}/${p.model}`)).to.have.members([`${w.account} yealink/t46s`, 'catalog cisco/cp8851', 'catalog grandstream/gxp2170']);
  });

  it('shows per device the version its User-Agent reports next to the one assigned', async () => {
    await config();
    const row = await waitFor(async () => {
      const r = await w.call('GET', `accounts/${w.account}/firmware/devices`, w.tokens.accountAdmin);
      return r.json.data.find((d: any) => d.id === yealink._id && d.reported_version) ?? null;
    }, 5000, 'reported version');
    expect(row).to.deep.include({ reported_version: '66.86.0.15', assigned: { firmware_id: idA, version: '66.86.0.20' }, up_to_date: false });
    const listed = (await w.call('GET', `accounts/${w.account}/devices`, w.tokens.accountAdmin)).json.data.find((d: any) => d.id === yealink._id);
    expect(listed.firmware_version).to.equal('66.86.0.15');
    expect((await w.call('GET', `accounts/${w.account}/firmware/devices`, w.tokens.user)).status).to.equal(403);
    expect((await w.call('GET', `accounts/${w.account}/firmware/devices`, w.tokens.otherAdmin)).status).to.equal(403);
  });

  it('reads the version from each vendor\'s User-Agent', () => {
    // Formats as the vendors' guides and phones write them (see server/firmware/user-agent.ts).
    expect(firmwareVersionOf('Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc')).to.equal('66.86.0.15');
    expect(firmwareVersionOf('Mozilla/4.0 (compatible; snom370-SIP 8.7.3.25; snom370 jffs2 v3.36; snom370 linux 3.38)')).to.equal('8.7.3.25');
    expect(firmwareVersionOf('Grandstream Model HW GXP2170 V1.2 SW 1.0.9.135 DevId 000b82aabbcc')).to.equal('1.0.9.135');
    expect(firmwareVersionOf('Cisco-CP-8851-3PCC/11.3.1 (00562b043615)')).to.equal('11.3.1');
    expect(firmwareVersionOf('FileTransport PolycomVVX-VVX_400-UA/5.9.5.0614')).to.equal('5.9.5.0614');
    expect(firmwareVersionOf('curl/8.5')).to.equal(null);
  });

  it('leaves the images out of a backup (they would not fit in one JSON line) but keeps the policies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-backup-'));
    try {
      await backup(w.srv.app, dir);
      const state = readFileSync(join(dir, 'state.json'), 'utf8');
      expect(state).to.not.include(`"firmware:${idA}"`);
      expect(state).to.include('"fwpolicy:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a file a policy names; deletes it once none does', async () => {
    const inUse = await w.call('DELETE', `firmware/${idB}`, w.tokens.superadmin);
    expect(inUse.status).to.equal(409);
    expect((await w.call('DELETE', `accounts/${w.account}/firmware/policies/yealink/t4x/t46s`, w.tokens.accountAdmin)).status).to.equal(200);
    expect(await config()).to.not.include('static.firmware.url');
    expect((await w.call('DELETE', `firmware/${idB}`, w.tokens.accountAdmin)).status).to.equal(403);
    expect((await w.call('DELETE', `firmware/${idB}`, w.tokens.superadmin)).status).to.equal(200);
    const gone = await fetch(`${w.srv.url}/prov/fw/${idB}/T46S-66.86.0.30.rom`);
    expect(gone.status).to.equal(404);
  });
});

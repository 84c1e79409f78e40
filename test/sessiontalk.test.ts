// SessionTalk mobile activation: the decision table of reference/sessiontalk.md ("Ours"), row by row,
// as request sequences with an injected clock; QR formats; races; tenant isolation; logs.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { PNG } from 'pngjs';
import type { RunningServer } from '../server/server.js';
import { logLines, startTestServer } from './harness.js';
import { KazooFixture } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';
import { sessiontalkDriver, type Tenant } from './sessiontalk-driver.js';

const T0 = Date.UTC(2030, 0, 1, 8, 0, 0);
const DAY = 86_400_000;

describe('SessionTalk mobile activation', () => {
  let srv: RunningServer;
  let kazoo: KazooFixture;
  let clock = T0;
  const secrets = new Set<string>();
  const st = sessiontalkDriver(() => srv, () => kazoo, secrets);
  const { api } = st;

  before(async () => {
    srv = await startTestServer({}, { tweak: (app) => { app.now = () => clock; } });
    kazoo = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  // Closing can wait on change-feed long polls (see the report on follow.ts); give it time.
  after(async function () { this.timeout(60000); await srv?.close(); });
  beforeEach(() => { clock = T0; });

  const accountsOf = (d: { sip: { username: string; password: string } }, label: string, over: Record<string, string> = {}) => ({
    sipusername: d.sip.username, sippassword: d.sip.password, subdomain: label, authusername: d.sip.username,
    transport: 'UDP', srtp: 'Disabled', messaging: 'Disabled', video: 'Disabled', callrecording: 'Disabled', ...over,
  });
  const activations = async (t: Tenant) => (await api('GET', `${t.id}/sessiontalk/activations`)).json.data as any[];

  /** A tenant, a device, a code, and an install that activated it. */
  async function active(settings: Record<string, unknown> = {}) {
    const t = await st.tenant(settings);
    const d = await st.device(t);
    const m = await st.mint(t, d._id);
    const install = st.install();
    const res = await st.scan(m, install);
    expect(res.json.errmsg, res.text).to.equal('Valid Activation');
    return { t, d, m, install };
  }

  describe('settings', () => {
    it('has the documented defaults', async () => {
      const t = await st.tenant();
      const res = await api('GET', `${t.id}/sessiontalk/settings`);
      expect(res.status).to.equal(200);
      expect(res.json.status).to.equal('success');
      expect(res.json.data).to.deep.equal({
        provider_id: '', max_activations: 1, qr_lifetime: 172800, transport: null, srtp: 'Disabled', video: 'Disabled',
        messaging: 'Disabled', callrecording: 'Disabled', base_domain: 'sip.example.com', move_policy: 'move',
        windows_link: false, windows_appinstaller_url: 'https://windows-softphone.s3.eu-west-2.amazonaws.com/sessioncloud.appinstaller',
      });
    });

    it('merges a PUT, and refuses a bad value with a 400 naming the field', async () => {
      const t = await st.tenant();
      const put = await api('PUT', `${t.id}/sessiontalk/settings`, { provider_id: 'AcmeInc', transport: 'TLS', srtp: 'Enabled', max_activations: 0 });
      expect(put.status).to.equal(200);
      expect(put.json.data).to.include({ provider_id: 'AcmeInc', transport: 'TLS', srtp: 'Enabled', max_activations: 0, base_domain: 'sip.example.com' });
      expect((await api('GET', `${t.id}/sessiontalk/settings`)).json.data).to.deep.equal(put.json.data);
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ max_activations: -1 }, /^max_activations must be an integer from 0/],
        [{ qr_lifetime: 'soon' }, /^qr_lifetime must be/],
        [{ transport: 'SCTP' }, /^transport must be one of "UDP", "TCP", "TLS" or null/],
        [{ video: 'yes' }, /^video must be "Enabled" or "Disabled"/],
        [{ provider_id: 'a:b' }, /^provider_id must be/],
        [{ move_policy: 'steal' }, /^move_policy must be "move" or "deny"/],
        [{ windows_appinstaller_url: 'http://x' }, /^windows_appinstaller_url must be an https/],
        [{ colour: 'red' }, /^colour is not a SessionTalk setting/],
      ];
      for (const [body, message] of cases) {
        const res = await api('PUT', `${t.id}/sessiontalk/settings`, body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
        expect(res.json).to.include({ status: 'error', error: 'bad_request' });
        expect(res.json.message).to.match(message);
        expect(Object.keys(res.json.data)).to.deep.equal([Object.keys(body)[0]]);
      }
      expect((await api('GET', `${t.id}/sessiontalk/settings`)).json.data).to.deep.equal(put.json.data);
    });
  });

  describe('minting', () => {
    it('returns a 144-bit base64url code, the generic payload with the ProviderId, the QR, the expiry; stores only the hash', async () => {
      const t = await st.tenant({ provider_id: 'AcmeInc' });
      const d = await st.device(t, { username: 'user_1001' });
      clock = T0 + 1234;
      const m = await st.mint(t, d._id);
      expect(m.code).to.match(/^[A-Za-z0-9_-]{24}$/);
      expect(Buffer.from(m.code, 'base64url')).to.have.length(18);
      expect(m.username).to.equal(`user_1001@${t.realm}`);
      expect(m.payload).to.equal(`scsc:user_1001@${t.realm}:${m.code}:AcmeInc`);
      expect(m.expires_at).to.equal(new Date(T0 + 1234 + 172800 * 1000).toISOString());
      expect(m).not.to.have.property('windows_link');
      const stored = await srv.app.stateDb.get(`sessiontalk_code:${t.id}:${createHash('sha256').update(m.code).digest('hex')}`);
      expect(stored).to.include({ pvt_type: 'sessiontalk_code', account_id: t.id, device_id: d._id });
      const everything = JSON.stringify((await srv.app.stateDb.list({ include_docs: true })).rows);
      expect(everything).not.to.include(m.code);
    });

    it('leaves the ProviderId out for a white-label app, and builds the Windows link with %26', async () => {
      const t = await st.tenant({ windows_link: true, windows_appinstaller_url: 'https://apps.example.com/SessionCloud.appinstaller' });
      const d = await st.device(t, { username: 'user_1002' });
      const m = await st.mint(t, d._id);
      expect(m.payload).to.equal(`scsc:user_1002@${t.realm}:${m.code}`);
      expect(m.windows_link).to.equal(`ms-appinstaller:?source=https://apps.example.com/SessionCloud.appinstaller`
        + `&activationUri=scsc:?username=user_1002@${t.realm}%26password=${m.code}`);
      await api('PUT', `${t.id}/sessiontalk/settings`, { provider_id: 'AcmeInc' });
      const g = await st.mint(t, d._id);
      expect(g.windows_link).to.equal(`ms-appinstaller:?source=https://apps.example.com/SessionCloud.appinstaller`
        + `&activationUri=scsc:?username=user_1002@${t.realm}:AcmeInc%26password=${g.code}`);
    });

    it('renders the payload as a PNG and an SVG QR code that carry exactly that text', async () => {
      const t = await st.tenant({ provider_id: 'AcmeInc' });
      const d = await st.device(t);
      const m = await st.mint(t, d._id);
      expect(m.qr.svg).to.match(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(m.qr.png).to.match(/^data:image\/png;base64,/);
      const png = PNG.sync.read(Buffer.from(m.qr.png.split(',')[1], 'base64'));
      // Read the modules back from the pixels and compare with the symbol of the payload.
      const symbol = QRCode.create(m.payload, { errorCorrectionLevel: 'M' });
      const n = symbol.modules.size;
      const scale = png.width / (n + 4);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          const x = Math.floor((c + 2 + 0.5) * scale);
          const y = Math.floor((r + 2 + 0.5) * scale);
          const dark = png.data[(y * png.width + x) * 4] < 128;
          expect(dark, `module ${r},${c}`).to.equal(!!symbol.modules.get(r, c));
        }
      }
    });

    it('404 for a device of another account; 400 when the realm is not under base_domain', async () => {
      const a = await st.tenant();
      const b = await st.tenant();
      const db = await st.device(b);
      const res = await api('POST', `${a.id}/sessiontalk/codes`, { device_id: db._id });
      expect(res.status).to.equal(404);
      expect(res.json).to.include({ status: 'error', error: 'not_found' });
      await api('PUT', `${a.id}/sessiontalk/settings`, { base_domain: 'voice.example.net' });
      const da = await st.device(a);
      const bad = await api('POST', `${a.id}/sessiontalk/codes`, { device_id: da._id });
      expect(bad.status).to.equal(400);
      expect(bad.json.message).to.include('is not <subdomain>.voice.example.net');
      expect((await api('POST', `${a.id}/sessiontalk/codes`, { device_id: 'nope' })).status).to.equal(400);
    });
  });

  describe('the decision table', () => {
    it('row 1: a missing username, password (or key) or deviceId is a 400 {update:true, errmsg:"Bad Request"}, with no DB write', async () => {
      const { m, install } = await active();
      const before = await st.seq();
      const full = { username: m.username, password: m.code, reprovision: 'true', deviceId: install };
      for (const drop of ['username', 'password', 'deviceId'] as const) {
        const res = await st.prov({ ...full, [drop]: undefined });
        expect(res.status, drop).to.equal(400);
        expect(res.text).to.equal('{"update":true,"errmsg":"Bad Request"}');
      }
      const empty = await st.prov({ ...full, deviceId: '' });
      expect(empty.status).to.equal(400);
      expect((await st.prov({ ...full, password: undefined, key: m.code })).json.errmsg).to.equal('Valid Activation');
      expect(await st.writesSince(before)).to.equal(0);
    });

    it('row 2: unknown, malformed and other-tenant codes and unknown realms all get {update:true, "Invalid Key"}; the install keeps its activation', async () => {
      const { t, d, m, install } = await active();
      const other = await active();
      const before = await st.seq();
      const bodies = new Set<string>();
      for (const [username, code] of [
        [m.username, randomBytes(18).toString('base64url')],
        [m.username, 'not:a-code'],
        [m.username, 'x'],
        [m.username, other.m.code], // a real code of another tenant, under this realm
        [`${d.sip.username}@nowhere.example.org`, m.code],
        [d.sip.username, m.code],
      ]) {
        const res = await st.prov({ username, password: code, reprovision: 'false', deviceId: install });
        expect(res.status).to.equal(200);
        bodies.add(res.text);
      }
      expect([...bodies]).to.deep.equal(['{"update":true,"errmsg":"Invalid Key"}']);
      expect(await st.writesSince(before)).to.equal(0);
      const again = await st.scan(m, install, true);
      expect(again.json).to.deep.equal({ update: false, sipaccounts: [accountsOf(d, t.label)], errmsg: 'Valid Activation' });
    });

    it('row 4: a fresh code on a new install activates: the JSON of the reference, update:true', async () => {
      const t = await st.tenant({ transport: 'TLS', srtp: 'Enabled', video: 'Enabled' });
      const d = await st.device(t);
      const m = await st.mint(t, d._id);
      const install = st.install();
      const res = await st.scan(m, install);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(res.headers.get('set-cookie')).to.equal(null);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.text).to.equal(JSON.stringify({ update: true,
        sipaccounts: [accountsOf(d, t.label, { transport: 'TLS', srtp: 'Enabled', video: 'Enabled' })], errmsg: 'Valid Activation' }));
      const list = await activations(t);
      expect(list).to.have.length(1);
      expect(list[0]).to.include({ device_id: d._id, enabled: true, created_at: new Date(T0).toISOString(), last_seen: new Date(T0).toISOString(), held: true });
      expect(list[0].device_ids).to.deep.equal([d._id]);
    });

    it('row 3: the same code on the same install again (even expired) is "Re-Activated Existing Device"; update only if changed', async () => {
      const { t, d, m, install } = await active();
      clock = T0 + 3 * DAY;
      const res = await st.scan(m, install);
      expect(res.json).to.deep.equal({ update: false, sipaccounts: [accountsOf(d, t.label)], errmsg: 'Re-Activated Existing Device' });
      await api('PUT', `${t.id}/sessiontalk/settings`, { transport: 'TCP' });
      const changed = await st.scan(m, install);
      expect(changed.json).to.deep.equal({ update: true, sipaccounts: [accountsOf(d, t.label, { transport: 'TCP' })], errmsg: 'Re-Activated Existing Device' });
    });

    it('row 5: max_activations reached: {update:true, "Max Devices Exceeded"}, nothing changes; 0 is unlimited', async () => {
      const { t, d, m, install } = await active();
      const second = await st.mint(t, d._id);
      const before = await st.seq();
      const other = st.install();
      expect((await st.scan(second, other)).text).to.equal('{"update":true,"errmsg":"Max Devices Exceeded"}');
      expect(await st.writesSince(before)).to.equal(0);
      expect((await st.scan(m, install, true)).json.errmsg).to.equal('Valid Activation');
      await api('PUT', `${t.id}/sessiontalk/settings`, { max_activations: 0 });
      expect((await st.scan(second, other)).json.errmsg).to.equal('Valid Activation');
      await api('PUT', `${t.id}/sessiontalk/settings`, { max_activations: 2 });
      const third = await st.mint(t, d._id);
      expect((await st.scan(third, st.install())).json.errmsg).to.equal('Max Devices Exceeded');
      expect(await activations(t)).to.have.length(2);
    });

    it('row 6: a fresh code on an install that holds another code replaces its activation (then row 4/5)', async () => {
      const { t, m, install } = await active();
      const d2 = await st.device(t);
      const m2 = await st.mint(t, d2._id);
      const res = await st.scan(m2, install);
      expect(res.json).to.deep.equal({ update: true, sipaccounts: [accountsOf(d2, t.label)], errmsg: 'Valid Activation' });
      expect((await st.scan(m, install, true)).json.errmsg).to.equal('Invalid Device');
      expect((await st.scan(m2, install, true)).json.errmsg).to.equal('Valid Activation');
      // The same device's new code on the same install: the old activation goes first, so max 1 is not hit.
      const m3 = await st.mint(t, d2._id);
      expect((await st.scan(m3, install)).json.errmsg).to.equal('Valid Activation');
      expect(await activations(t)).to.have.length(1);
      // The replaced code is unbound again and still valid: another install may use it (row 15).
      expect((await st.scan(m, st.install())).json.errmsg).to.equal('Valid Activation');
      // Max reached for the new code's device: the install's own activation is still removed first (the
      // table's order), so it ends with none.
      const d3 = await st.device(t);
      const m6 = await st.mint(t, d3._id);
      const y = st.install();
      expect((await st.scan(m6, y)).json.errmsg).to.equal('Valid Activation');
      const m7 = await st.mint(t, d2._id); // d2 is held by `install` already (max 1)
      expect((await st.scan(m7, y)).text).to.equal('{"update":true,"errmsg":"Max Devices Exceeded"}');
      expect((await st.scan(m6, y, true)).json.errmsg).to.equal('Invalid Device');
      expect((await st.scan(m3, install, true)).json.errmsg).to.equal('Valid Activation');
    });

    it('row 7, policy move: a still-valid used code on a new install takes the activation over; the old install is logged out', async () => {
      const { t, d, m, install } = await active();
      clock = T0 + 60_000;
      const newer = st.install();
      const res = await st.scan(m, newer);
      expect(res.json).to.deep.equal({ update: false, sipaccounts: [accountsOf(d, t.label)], errmsg: 'Valid Activation' });
      expect((await st.scan(m, install, true)).text).to.equal('{"update":true,"errmsg":"Invalid Device"}');
      expect((await st.scan(m, newer, true)).json.errmsg).to.equal('Valid Activation');
      const list = await activations(t);
      expect(list).to.have.length(1);
      expect(list[0].moved_from).to.be.a('string');
      const events = await srv.app.stateDb.view('state', 'by_account', { key: [t.id, 'audit_event'], include_docs: true });
      expect(events.rows.map((r: any) => r.doc.action)).to.include('sessiontalk_moved');
    });

    it('row 7, policy deny: {update:true, "Code Already Used"}, and the first install keeps it', async () => {
      const { t, m, install } = await active({ move_policy: 'deny' });
      const before = await st.seq();
      expect((await st.scan(m, st.install())).text).to.equal('{"update":true,"errmsg":"Code Already Used"}');
      expect(await st.writesSince(before)).to.equal(0);
      expect((await st.scan(m, install, true)).json.errmsg).to.equal('Valid Activation');
      expect(await activations(t)).to.have.length(1);
    });

    it('row 8: a used, valid code on an install holding another code: both activations go, one new one is made', async () => {
      const { t, d, m, install } = await active({ max_activations: 0 });
      const d2 = await st.device(t);
      const m2 = await st.mint(t, d2._id);
      const other = st.install();
      expect((await st.scan(m2, other)).json.errmsg).to.equal('Valid Activation');
      const res = await st.scan(m, other);
      expect(res.json).to.deep.equal({ update: true, sipaccounts: [accountsOf(d, t.label)], errmsg: 'Valid Activation' });
      expect((await st.scan(m, install, true)).json.errmsg).to.equal('Invalid Device');
      expect((await st.scan(m2, other, true)).json.errmsg).to.equal('Invalid Device');
      expect((await st.scan(m, other, true)).json.errmsg).to.equal('Valid Activation');
      expect(await activations(t)).to.have.length(1);
    });

    it('row 9: an expired code, unused or held by another install, is {update:true, "Expired Key"}; nothing changes', async () => {
      const { t, d, m, install } = await active();
      const unused = await st.mint(t, d._id);
      clock = T0 + 172800 * 1000; // exactly at expiry
      const before = await st.seq();
      expect((await st.scan(unused, st.install())).text).to.equal('{"update":true,"errmsg":"Expired Key"}');
      expect((await st.scan(m, st.install())).text).to.equal('{"update":true,"errmsg":"Expired Key"}');
      expect(await st.writesSince(before)).to.equal(0);
      expect((await st.scan(m, install, true)).json.errmsg).to.equal('Valid Activation');
      clock = T0 + 172800 * 1000 - 1;
      expect((await st.scan(unused, st.install())).json.errmsg).to.equal('Max Devices Exceeded');
    });

    it('row 10: a fresh code whose device is gone from Kazoo: {update:true, "Invalid Key"}', async () => {
      const t = await st.tenant();
      const d = await st.device(t);
      const m = await st.mint(t, d._id);
      await kazoo.remove(t.id, d._id);
      const before = await st.seq();
      expect((await st.scan(m, st.install())).text).to.equal('{"update":true,"errmsg":"Invalid Key"}');
      expect(await st.writesSince(before)).to.equal(0);
    });

    it('row 11: reprovision serves the accounts; update only after a change; last_seen written at most once per 15 min', async () => {
      const { t, d, m, install } = await active();
      const before = await st.seq();
      for (let i = 0; i < 5; i++) {
        clock = T0 + i * 60_000;
        const res = await st.scan(m, install, true);
        expect(res.json).to.deep.equal({ update: false, sipaccounts: [accountsOf(d, t.label)], errmsg: 'Valid Activation' });
      }
      expect(await st.writesSince(before), 'no write while nothing changed').to.equal(0);
      const [a] = await activations(t);
      const revOf = async () => parseInt((await srv.app.stateDb.get(`sessiontalk_activation:${t.id}:${a.id}`))._rev, 10);
      const gen = await revOf();
      clock = T0 + 15 * 60_000;
      expect((await st.scan(m, install, true)).json.update).to.equal(false);
      expect(await revOf(), 'one last_seen stamp').to.equal(gen + 1);
      expect((await activations(t))[0].last_seen).to.equal(new Date(clock).toISOString());
      clock += 60_000;
      await st.scan(m, install, true);
      expect(await revOf()).to.equal(gen + 1);
      expect(await st.writesSince(before)).to.equal(1);

      // A password change in Kazoo reaches the app on its next foreground, once.
      const changed = await kazoo.update(t.id, d._id, (doc) => { doc.sip.password = `new-${randomBytes(6).toString('hex')}`; });
      secrets.add(changed.sip.password);
      const seen = await waitFor(async () => {
        const r = await st.scan(m, install, true);
        return r.json.update ? r : null;
      }, 15000, 'the password change'); // through a change feed, on a machine running two suites at once
      expect(seen.json.sipaccounts[0].sippassword).to.equal(changed.sip.password);
      expect((await st.scan(m, install, true)).json.update).to.equal(false);

      // A change that does not touch the accounts (the device's name) is not an update, and its new
      // revision is recorded at once (not only with the next last_seen stamp: the clock stays put), so
      // later foregrounds need not read the old revision from Kazoo's CouchDB.
      const renamed = await kazoo.update(t.id, d._id, (doc) => { doc.name = 'Renamed phone'; });
      await waitFor(async () => {
        const r = await st.scan(m, install, true);
        expect(r.json.update).to.equal(false);
        const doc: any = await srv.app.stateDb.get(`sessiontalk_activation:${t.id}:${(await activations(t))[0].id}`);
        return doc.served[0].device_rev === renamed._rev;
      }, 15000, 'the rename to be seen');
    });

    it('row 12: a disabled activation gets {update:false, "Device Disabled"} and no state change, until enabled again', async () => {
      const { t, d, m, install } = await active();
      const [a] = await activations(t);
      const off = await api('PATCH', `${t.id}/sessiontalk/activations/${a.id}`, { enabled: false });
      expect(off.status).to.equal(200);
      expect(off.json.data.enabled).to.equal(false);
      const changed = await kazoo.update(t.id, d._id, (doc) => { doc.sip.password = `pw-${randomBytes(6).toString('hex')}`; });
      secrets.add(changed.sip.password);
      clock = T0 + DAY;
      const before = await st.seq();
      expect((await st.scan(m, install, true)).text).to.equal('{"update":false,"errmsg":"Device Disabled"}');
      expect((await st.scan(m, install)).text).to.equal('{"update":false,"errmsg":"Device Disabled"}');
      expect(await st.writesSince(before)).to.equal(0);
      await api('POST', `${t.id}/sessiontalk/activations/${a.id}`, { enabled: true });
      const on = await waitFor(async () => {
        const r = await st.scan(m, install, true);
        return r.json.update ? r : null;
      }, 5000, 'the change made while disabled');
      expect(on.json.sipaccounts).to.deep.equal([accountsOf(changed, t.label)]);
    });

    it('row 13: reprovision by an install that does not hold the code: {update:true, "Invalid Device"}, no write', async () => {
      const { t, d, m, install } = await active();
      const fresh = await st.mint(t, d._id);
      const before = await st.seq();
      for (const [code, dev] of [[fresh.code, install], [fresh.code, st.install()], [m.code, st.install()],
        ['garbage', install], [randomBytes(18).toString('base64url'), install]]) {
        const res = await st.prov({ username: m.username, password: code, reprovision: 'true', deviceId: dev });
        expect(res.text).to.equal('{"update":true,"errmsg":"Invalid Device"}');
      }
      expect(await st.writesSince(before)).to.equal(0);
      const [a] = await activations(t);
      expect((await api('DELETE', `${t.id}/sessiontalk/activations/${a.id}`)).status).to.equal(200);
      expect((await st.scan(m, install, true)).text).to.equal('{"update":true,"errmsg":"Invalid Device"}');
    });

    it('row 14: no enabled device left: {update:true, "No Lines Enabled"}', async () => {
      const { t, d, m, install } = await active();
      await kazoo.update(t.id, d._id, (doc) => { doc.enabled = false; });
      await waitFor(async () => (await st.scan(m, install, true)).text === '{"update":true,"errmsg":"No Lines Enabled"}', 5000, 'No Lines Enabled');
    });

    it('row 15: after a deactivation the code re-activates until it expires; a revoked code is invalid', async () => {
      const { t, m, install } = await active();
      const [a] = await activations(t);
      await api('DELETE', `${t.id}/sessiontalk/activations/${a.id}`);
      expect(await activations(t)).to.have.length(0);
      expect((await st.scan(m, install)).json).to.include({ update: true, errmsg: 'Valid Activation' });
      const [b] = await activations(t);
      await api('DELETE', `${t.id}/sessiontalk/activations/${b.id}`);
      const held = await api('DELETE', `${t.id}/sessiontalk/codes/${m.id}`);
      expect(held.status).to.equal(200);
      expect(held.json.data.status).to.equal('revoked');
      expect((await st.scan(m, install)).text).to.equal('{"update":true,"errmsg":"Invalid Key"}');
      const { t: t2, m: m2, install: i2 } = await active();
      clock = T0 + 3 * DAY;
      const [c] = await activations(t2);
      await api('DELETE', `${t2.id}/sessiontalk/activations/${c.id}`);
      expect((await st.scan(m2, i2)).text).to.equal('{"update":true,"errmsg":"Expired Key"}');
    });

    it('answers on the FusionPBX path /app/sessiontalk/provision.php too', async () => {
      const { t, d, m, install } = await active();
      const res = await st.prov({ username: m.username, key: m.code, reprovision: 'true', deviceId: install }, '/app/sessiontalk/provision.php');
      expect(res.json).to.deep.equal({ update: false, sipaccounts: [accountsOf(d, t.label)], errmsg: 'Valid Activation' });
    });
  });

  describe('managing activations', () => {
    it('lists codes with their state, and refuses to revoke a code an install holds', async () => {
      const { t, d, m } = await active();
      const unused = await st.mint(t, d._id);
      const res = await api('GET', `${t.id}/sessiontalk/codes`);
      const byId = new Map((res.json.data as any[]).map((c) => [c.id, c]));
      expect(byId.get(m.id)).to.include({ status: 'active', device_id: d._id });
      expect(byId.get(unused.id)).to.include({ status: 'pending', expires_at: unused.expires_at });
      expect(JSON.stringify(res.json)).not.to.include(m.code);
      const refused = await api('DELETE', `${t.id}/sessiontalk/codes/${m.id}`);
      expect(refused.status).to.equal(409);
      expect((await api('DELETE', `${t.id}/sessiontalk/codes/${unused.id}`)).json.data.status).to.equal('revoked');
      expect((await api('DELETE', `${t.id}/sessiontalk/codes/${'0'.repeat(64)}`)).status).to.equal(404);
    });

    it('adds and removes further Kazoo devices: each is one more account after the next update', async () => {
      const { t, d, m, install } = await active();
      const d2 = await st.device(t);
      const [a] = await activations(t);
      const added = await api('PUT', `${t.id}/sessiontalk/activations/${a.id}/devices/${d2._id}`);
      expect(added.status).to.equal(200);
      expect(added.json.data.device_ids).to.deep.equal([d._id, d2._id]);
      expect((await st.scan(m, install, true)).json).to.deep.equal({ update: true,
        sipaccounts: [accountsOf(d, t.label), accountsOf(d2, t.label)], errmsg: 'Valid Activation' });
      expect((await st.scan(m, install, true)).json.update).to.equal(false);
      const removed = await api('DELETE', `${t.id}/sessiontalk/activations/${a.id}/devices/${d._id}`);
      expect(removed.json.data.device_ids).to.deep.equal([d2._id]);
      expect((await st.scan(m, install, true)).json).to.deep.equal({ update: true, sipaccounts: [accountsOf(d2, t.label)], errmsg: 'Valid Activation' });
      const b = await st.tenant();
      const foreign = await st.device(b);
      expect((await api('PUT', `${t.id}/sessiontalk/activations/${a.id}/devices/${foreign._id}`)).status).to.equal(404);
    });
  });

  describe('concurrency and isolation', () => {
    it('two parallel first scans of one code by one install leave exactly one activation', async () => {
      const t = await st.tenant();
      const d = await st.device(t);
      const m = await st.mint(t, d._id);
      const install = st.install();
      const results = await Promise.all([st.scan(m, install), st.scan(m, install), st.scan(m, install)]);
      for (const r of results) expect(r.json.errmsg).to.be.oneOf(['Valid Activation', 'Re-Activated Existing Device']);
      expect(await activations(t)).to.have.length(1);
      expect((await st.scan(m, install, true)).json.errmsg).to.equal('Valid Activation');
    });

    it('two parallel first scans of one code by two installs leave exactly one activation', async () => {
      for (const settings of [{}, { max_activations: 0 }, { move_policy: 'deny', max_activations: 0 }]) {
        const t = await st.tenant(settings);
        const d = await st.device(t);
        const m = await st.mint(t, d._id);
        const installs = [st.install(), st.install(), st.install()];
        await Promise.all(installs.map((i) => st.scan(m, i)));
        const list = await activations(t);
        expect(list, JSON.stringify(settings)).to.have.length(1);
        expect(list[0].held).to.equal(true);
        const served = await Promise.all(installs.map(async (i) => (await st.scan(m, i, true)).json.errmsg));
        expect(served.filter((e) => e === 'Valid Activation'), JSON.stringify(settings)).to.have.length(1);
      }
    });

    it("one tenant's management API cannot reach another's activations or codes", async () => {
      const a = await active();
      const b = await active();
      const [ab] = await activations(b.t);
      expect((await api('DELETE', `${a.t.id}/sessiontalk/activations/${ab.id}`)).status).to.equal(404);
      expect((await api('PATCH', `${a.t.id}/sessiontalk/activations/${ab.id}`, { enabled: false })).status).to.equal(404);
      expect((await api('DELETE', `${a.t.id}/sessiontalk/codes/${b.m.id}`)).status).to.equal(404);
      expect((await api('GET', `${'f'.repeat(32)}/sessiontalk/activations`)).status).to.equal(404);
      expect((await st.scan(b.m, b.install, true)).json.errmsg).to.equal('Valid Activation');
      // B's install presenting B's code under A's realm is nobody there.
      const res = await st.prov({ username: `x@${a.t.realm}`, password: b.m.code, reprovision: 'true', deviceId: b.install });
      expect(res.json.errmsg).to.equal('Invalid Device');
    });

    it('needs a token for the management API', async () => {
      const t = await st.tenant();
      const res = await http(`${srv.url}/api/accounts/${t.id}/sessiontalk/activations`);
      expect(res.status).to.equal(401);
    });
  });

  // Last (mocha runs a suite's own tests before its sub-suites): after everything above has logged.
  describe('logs', () => {
    it('never carry a code, a SIP password or a deviceId', () => {
      expect(secrets.size).to.be.above(20);
      const all = logLines.join('\n');
      expect(all).to.include('sessiontalk');
      for (const s of secrets) expect(all, 'a secret in the log').not.to.include(s);
    });
  });
});

describe('SessionTalk rate limits', () => {
  let srv: RunningServer;
  let kazoo: KazooFixture;
  let clock = T0;
  const st = sessiontalkDriver(() => srv, () => kazoo, new Set());
  before(async () => {
    srv = await startTestServer({}, { tweak: (app) => { app.now = () => clock; } });
    kazoo = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async function () { this.timeout(60000); await srv?.close(); });

  it('per provisioning username: 30 at once, then 429 {update:false} until the bucket refills', async () => {
    const t = await st.tenant();
    const d = await st.device(t);
    const m = await st.mint(t, d._id);
    const install = st.install();
    expect((await st.scan(m, install)).json.errmsg).to.equal('Valid Activation');
    for (let i = 1; i < 30; i++) expect((await st.scan(m, install, true)).status).to.equal(200);
    const limited = await st.scan(m, install, true);
    expect(limited.status).to.equal(429);
    expect(limited.text).to.equal('{"update":false,"errmsg":"Too Many Requests"}');
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 2);
    clock += 2000;
    expect((await st.scan(m, install, true)).status).to.equal(200);
  });

  it('per source: failed attempts are budgeted; working installs are not counted', async () => {
    const t = await st.tenant();
    const d = await st.device(t);
    const m = await st.mint(t, d._id);
    const install = st.install();
    expect((await st.scan(m, install)).json.errmsg).to.equal('Valid Activation');
    let limitedAt = -1;
    for (let i = 0; i < 320 && limitedAt < 0; i++) {
      // A new username each time: the per-user limit is not what stops this.
      const res = await st.prov({ username: `u${i}@${t.realm}`, password: randomBytes(18).toString('base64url'), reprovision: 'false', deviceId: `x${i}` });
      if (res.status === 429) limitedAt = i;
      else expect(res.json.errmsg).to.equal('Invalid Key');
    }
    expect(limitedAt).to.equal(300);
    expect((await st.scan(m, install, true)).status).to.equal(429);
    clock += 60_000;
    expect((await st.scan(m, install, true)).json.errmsg).to.equal('Valid Activation');
  });
});

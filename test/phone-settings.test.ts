// Phone settings with inheritance, end to end through HTTP: five levels (catalog default → reseller →
// account → model → device), each value's source, the phone's file on a second instance following an
// account-level change through the change feed, raw brand keys checked, Kazoo's fields winning, and
// tenant scoping.
import { expect } from 'chai';
import type { RunningServer } from '../server/server.js';
import { newMac } from './fixtures/kazoo.js';
import { ADMIN_TOKEN, startWorld, type World } from './kazoo-tenants.js';
import { startTestServer } from './harness.js';
import { couchRequests, http, waitFor } from './support.js';

const PASS = 'url-pass-phone-settings-41';


describe('phone settings with inheritance', function () {
  this.timeout(90000);
  let w: World;
  let b: RunningServer;
  let account: string;
  let adminToken: string;
  let device: { _id: string; sip: { username: string; password: string } };
  let mac: string;
  const base = () => `accounts/${account}/phone-settings`;
  const dev = () => `accounts/${account}/devices/${device._id}/phone-settings`;
  const file = (srv: RunningServer) => http(`${srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`);
  const served = (srv: RunningServer, line: string) => waitFor(async () => {
    const r = await file(srv);
    return r.status === 200 && r.text.split('\n').includes(line) ? r.text : null;
  }, 15000, `"${line}" from ${srv.url}`);
  const put = async (path: string, token: string, data: unknown) => {
    const res = await w.call('PUT', path, token, { data });
    expect(res.status, JSON.stringify(res.json)).to.equal(200);
    return res;
  };

  before(async () => {
    w = await startWorld();
    // A customer of the reseller, as Kazoo records it (pvt_tree and pvt_reseller_id).
    const c = await w.kazoo.account({ name: 'Settings customer', tree: [w.reseller], reseller: w.reseller,
      provision: { provision_enabled: true, urlpass: PASS, admin_password: 'kazoo-admin-pw-41' } });
    account = c._id;
    const admin = await w.kazoo.user(account, { first: 'Sam', last: 'Settings', privLevel: 'admin' });
    adminToken = w.crossbar.issue({ accountId: account, ownerId: admin._id });
    mac = newMac('805ec0');
    device = await w.kazoo.device(account, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    b = await startTestServer({ dbPrefix: w.prefix, kazooDbPrefix: w.prefix, kazooApiUrl: w.crossbar.url, adminToken: ADMIN_TOKEN });
    await served(w.srv, `account.1.password = ${device.sip.password}`);
    await served(b, `account.1.password = ${device.sip.password}`);
  });
  after(async () => { await Promise.all([b?.close(), w?.close()]); });

  it('merges catalog default → reseller → account → model → device, and says where each value came from', async () => {
    await put('phone-settings/default', w.tokens.superadmin, { settings: { ntp_servers: ['ntp.default.example'], vlan: { enabled: true, id: 10 }, dial_plan: '[2-9]xx' } });
    await put(`accounts/${w.reseller}/phone-settings/reseller`, w.tokens.resellerAdmin, { settings: { ntp_servers: ['ntp.reseller.example'], vlan: { id: 20 } } });
    await put(base(), adminToken, { settings: { ntp_servers: ['ntp.account.example'], time_zone: 'America/New_York' } });
    await put(`${base()}/models/yealink/t4x/t46s`, adminToken, { settings: { dial_plan: '[1-9]xxx' } });
    await put(dev(), adminToken, { settings: { vlan: { priority: 5 } } });
    const eff = (await w.call('GET', `${dev()}/effective`, adminToken)).json.data;
    expect(eff.settings).to.deep.equal({ ntp_servers: ['ntp.account.example'], vlan: { enabled: true, id: 20, priority: 5 },
      dial_plan: '[1-9]xxx', time_zone: 'America/New_York' });
    expect(eff.sources).to.deep.equal({ '/ntp_servers': 'account', '/vlan/enabled': 'default', '/vlan/id': 'reseller',
      '/vlan/priority': 'device', '/dial_plan': 'model', '/time_zone': 'account' });
    // The phone's file: the account's NTP server, and the account's zone over Kazoo's (Europe/Berlin).
    const text = await served(w.srv, 'local_time.ntp_server1 = ntp.account.example');
    expect(text).to.include('local_time.time_zone_name = United States-Eastern Time');
    // Yealink Administrator Guide, VLAN (static.network.vlan.internet_port_enable/_vid/_priority) and
    // Digit Map (dialplan.digitmap.enable/string): the merged values in the phone's file.
    for (const line of ['static.network.vlan.internet_port_enable = 1', 'static.network.vlan.internet_port_vid = 20',
      'static.network.vlan.internet_port_priority = 5', 'dialplan.digitmap.enable = 1', 'dialplan.digitmap.string = [1-9]xxx']) {
      expect(text.split('\n'), line).to.include(line);
    }
    // What the T46S template does not write is named, so the operator knows a raw key is needed.
    await put(dev(), adminToken, { settings: { vlan: { priority: 5 }, volumes: { ringer: 80 }, screen: { brightness: 70 } } });
    expect((await w.call('GET', `${dev()}/effective`, adminToken)).json.data.not_written).to.deep.equal(['/screen/brightness', '/volumes/ringer']);
    await put(dev(), adminToken, { settings: { vlan: { priority: 5 } } });
    // Taking the account level away shows the reseller's again.
    await put(base(), adminToken, {});
    await served(w.srv, 'local_time.ntp_server1 = ntp.reseller.example');
  });

  it('an account-level change reaches the phone\'s file on a second instance, and the warm fetch reads no CouchDB', async () => {
    await served(b, 'local_time.ntp_server1 = ntp.reseller.example');
    await put(base(), adminToken, { settings: { ntp_servers: ['ntp.second-instance.example'] } });
    await served(b, 'local_time.ntp_server1 = ntp.second-instance.example');
    // Settings are read from memory: warm fetches of the changed file make no CouchDB request. The
    // background writers (sightings, fetch history, view warming) run on timers and may land in one
    // window (CI saw 1 request once); a read on the warm path itself would show in every window.
    const windows: number[] = [];
    for (let attempt = 0; attempt < 5 && !windows.includes(0); attempt++) {
      const before = await couchRequests(b);
      for (let i = 0; i < 3; i++) expect((await file(b)).text).to.include('ntp.second-instance.example');
      windows.push((await couchRequests(b)) - before);
    }
    expect(windows, 'CouchDB requests during three warm fetches, per attempt').to.include(0);
  });

  it('writes raw brand keys into the file, and refuses a typo (naming the key and the close match) without writing anything', async () => {
    await put(dev(), adminToken, { settings: { vlan: { priority: 5 } }, raw: { yealink: { 'features.direct_ip_call_enable': '1' } } });
    await served(b, 'features.direct_ip_call_enable = 1');
    const bad = await w.call('PUT', base(), adminToken, { data: { settings: { dial_plan: 'x' }, raw: { yealink: { 'features.direct_ip_call_enabel': '1' } } } });
    expect(bad.status).to.equal(400);
    expect(bad.json.message).to.include('"features.direct_ip_call_enabel" is not a key').and.include('did you mean "features.direct_ip_call_enable"');
    expect(bad.json.data.pointer).to.equal('/data/raw/yealink/features.direct_ip_call_enabel');
    const schema = await w.call('PUT', base(), adminToken, { data: { settings: { vlan: { id: 5000 } } } });
    expect(schema.status).to.equal(400);
    expect(schema.json.data.pointer).to.equal('/data/settings/vlan/id');
    expect(schema.json.message).to.include('4094');
    const zone = await w.call('PUT', base(), adminToken, { data: { settings: { time_zone: 'Mars/Olympus' } } });
    expect(zone.json.message).to.include('"Mars/Olympus" is not an IANA time zone');
    const unknown = await w.call('PUT', base(), adminToken, { data: { settings: { ntp: 'x' } } });
    expect(unknown.json.message).to.equal('/data/settings/ntp: "ntp" is not a setting here');
    expect((await w.call('GET', base(), adminToken)).json.data).to.deep.equal({ settings: { ntp_servers: ['ntp.second-instance.example'] }, raw: {} });
  });

  it('keeps Kazoo\'s SIP credentials and SRTP: no raw key or setting overrides them', async () => {
    const sip = await w.call('PUT', dev(), adminToken, { data: { raw: { yealink: { 'account.1.password': 'hijack' } } } });
    expect(sip.status).to.equal(400);
    expect(sip.json.message).to.include('"account.1.password" comes from Kazoo\'s device');
    const srv = await w.call('PUT', base(), adminToken, { data: { raw: { yealink: { 'static.auto_provision.server.url': 'http://evil.example/' } } } });
    expect(srv.status).to.equal(400);
    // Kazoo's device enforces SRTP; the account's settings say off: Kazoo's device wins.
    await w.kazoo.update(account, device._id, (d) => { d.media.encryption.enforce_security = true; });
    await put(base(), adminToken, { settings: { srtp: 'off', admin_password: 'settings-admin-pw-41' } });
    const text = await served(b, 'account.1.srtp_encryption = 2');
    expect(text).to.include(`account.1.password = ${device.sip.password}`);
    // The settings' admin password wins over the account's `provision.admin_password`, and is masked when read.
    expect(text).to.include('static.security.user_password = admin:settings-admin-pw-41');
    expect((await w.call('GET', base(), adminToken)).json.data.settings.admin_password).to.equal('********');
    // Sending the mask back keeps the password.
    await put(base(), adminToken, { settings: { srtp: 'off', admin_password: '********', language: 'fr-fr' } });
    await served(b, 'static.security.user_password = admin:settings-admin-pw-41');
  });

  it('scopes every level to its admins', async () => {
    expect((await w.call('GET', base(), w.tokens.otherAdmin)).status).to.equal(403);
    expect((await w.call('PUT', base(), w.tokens.otherAdmin, { data: { settings: { dial_plan: 'x' } } })).status).to.equal(403);
    expect((await w.call('GET', `${dev()}/effective`, w.tokens.otherAdmin)).status).to.equal(403);
    expect((await w.call('PUT', `accounts/${w.other}/devices/${device._id}/phone-settings`, w.tokens.otherAdmin, { data: {} })).status).to.equal(404);
    expect((await w.call('PUT', base(), w.tokens.user, { data: {} })).status).to.equal(403);
    expect((await w.call('PUT', 'phone-settings/default', adminToken, { data: {} })).status).to.equal(403);
    expect((await w.call('PUT', `accounts/${w.reseller}/phone-settings/reseller`, adminToken, { data: {} })).status).to.equal(403);
    // The reseller's admin may set its customer's account level.
    await put(base(), w.tokens.resellerAdmin, { settings: { dial_plan: 'by-reseller' } });
    expect((await w.call('GET', `${dev()}/effective`, adminToken)).json.data.sources['/dial_plan']).to.equal('model');
  });

  it('records every change in the audit trail: who, which level and a diff with the admin password masked; a refused one records nothing', async () => {
    const trail = async () => (await w.call('GET', `accounts/${account}/audit?object_type=phone_settings&object_id=${encodeURIComponent(`phoneset:account:${account}`)}`,
      adminToken)).json.data.events as any[];
    const before = (await trail()).length;
    await put(base(), adminToken, { settings: { admin_password: 'Audit-Secret-77', vlan: { enabled: true, id: 42 } } });
    expect((await w.call('PUT', base(), adminToken, { data: { settings: { vlan: { id: 5000 } } } })).status).to.equal(400);
    const events = await trail();
    expect(events, 'one event for the saved change, none for the refused one').to.have.length(before + 1);
    const [last] = events;
    expect(last).to.include({ action: 'phone_settings_changed', account_id: account });
    expect(last.who).to.deep.include({ type: 'kazoo_user', account_id: account, name: 'Sam Settings' });
    expect(last.changes, JSON.stringify(last.changes)).to.deep.include({ path: '/settings/vlan', after: { enabled: true, id: 42 } });
    const password = last.changes.find((c: any) => c.path === '/settings/admin_password');
    expect(password?.after).to.equal('********');
    expect(JSON.stringify(events)).to.not.include('Audit-Secret-77');
  });
});

// Issue 17 item 5, end to end through HTTP: the audit trail (who, when, a masked diff; tenant-scoped),
// template revisions and rollback, and each device's fetched versions with "what changed since".
import { expect } from 'chai';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { waitFor } from './support.js';
import { Sweeper } from '../server/security/sweeper.js';

const URL_PASS = 'url-pass-history-7f3e';
const ADMIN_PW = 'admin-pw-history-91ab';
const TEMPLATE = 'ui/yealink/t4x/t46s';
const enc = encodeURIComponent;

describe('history and audit', function () {
  this.timeout(60000);
  let w: World;
  let device: { _id: string; sip: { username: string; password: string } };
  let mac: string;
  /** Every secret this world holds: none may appear in an audit event, a fetch record or a diff. */
  const secrets: string[] = [URL_PASS, ADMIN_PW];
  const phone = () => fetch(`${w.srv.url}/prov/yealink/${mac}.cfg?pass=${URL_PASS}`, { headers: { 'User-Agent': 'Yealink SIP-T46S 66.86.0.15' } });
  const fetches = async () => (await w.call('GET', `accounts/${w.account}/devices/${device._id}/fetches`, w.tokens.accountAdmin)).json.data.fetches;

  before(async () => {
    w = await startWorld();
    await w.kazoo.update(w.account, w.account, (doc) => { doc.provision = { provision_enabled: true, urlpass: URL_PASS, admin_password: ADMIN_PW }; });
    mac = newMac('805ec0');
    device = await w.kazoo.device(w.account, { name: 'Uma desk', mac, ownerId: w.ids.user, brand: 'yealink', family: 't4x', model: 't46s' });
    secrets.push(device.sip.password);
    await waitFor(async () => w.srv.services.macIndex.lookup(mac).kind === 'devices', 5000, 'index');
  });
  after(async () => { await w.close(); });

  it('keeps the versions a phone fetched and shows, masked, what changed since its last fetch', async () => {
    const first = await phone();
    expect(first.status).to.equal(200);
    const etag1 = first.headers.get('etag');
    const list = await waitFor(async () => { const f = await fetches(); return f.length === 1 && f; }, 5000, 'fetch recorded');
    expect(list[0]).to.include({ file: `${mac}.cfg`, etag: etag1, body_kept: true });
    // Fetching the same version again records nothing new.
    expect((await phone()).headers.get('etag')).to.equal(etag1);

    const unchanged = await w.call('GET', `accounts/${w.account}/devices/${device._id}/fetches/diff`, w.tokens.user);
    expect(unchanged.status).to.equal(200);
    expect(unchanged.json.data).to.include({ file: `${mac}.cfg`, changed: false, body_kept: true });
    expect(unchanged.json.data.lines).to.deep.equal([]);

    const t = (await w.call('GET', `catalog/templates/${enc(TEMPLATE)}`, w.tokens.superadmin)).json.data;
    const before = t.cfg_tone['voice.tone.country'].value;
    t.cfg_tone['voice.tone.country'] = { value: 'Japan' };
    expect((await w.call('PUT', `catalog/templates/${enc(TEMPLATE)}`, w.tokens.superadmin, { data: t })).status).to.equal(200);

    let last: unknown;
    const diff = await waitFor(async () => {
      const r = await w.call('GET', `accounts/${w.account}/devices/${device._id}/fetches/diff?file=${mac}.cfg`, w.tokens.accountAdmin);
      last = r.json;
      return r.json.data?.changed && r;
    }, 5000, 'diff shows the change').catch((err) => { throw new Error(`${err.message}: ${JSON.stringify(last).slice(0, 600)}`); });
    const lines = diff.json.data.lines.filter((l: any) => l.op !== ' ');
    expect(lines).to.deep.include({ op: '+', line: 'voice.tone.country = Japan' });
    expect(lines.some((l: any) => l.op === '-' && l.line.startsWith('voice.tone.country = ') && l.line !== 'voice.tone.country = Japan')).to.equal(true, JSON.stringify(lines));
    expect(before).to.not.equal('Japan');

    const second = await phone();
    expect(second.headers.get('etag')).to.not.equal(etag1);
    const both = await waitFor(async () => { const f = await fetches(); return f.length === 2 && f; }, 5000, 'second version recorded');
    expect(both.map((f: any) => f.etag)).to.deep.equal([second.headers.get('etag'), etag1]);
    // The older version can still be compared with what the phone would get now.
    const older = await w.call('GET', `accounts/${w.account}/devices/${device._id}/fetches/diff?file=${mac}.cfg&etag=${enc(etag1!)}`, w.tokens.accountAdmin);
    expect(older.json.data.changed).to.equal(true);

    expect((await w.call('GET', `accounts/${w.account}/devices/${device._id}/fetches`, w.tokens.otherAdmin)).status).to.equal(403);
    const missing = await w.call('GET', `accounts/${w.account}/devices/${device._id}/fetches/diff?file=nope.cfg`, w.tokens.accountAdmin);
    expect(missing.status).to.equal(404);
    expect(missing.json.message).to.include('has not fetched nope.cfg');

    const stored = await w.srv.app.stateDb.list({ include_docs: true });
    const kept = JSON.stringify(stored.rows.filter((r: any) => /^(body|fetched):/.test(r.id)).map((r: any) =>
      r.id.startsWith('body:') ? Buffer.from(r.doc.data, 'base64').toString() : r.doc));
    expect(kept).to.include('voice.tone.country');
    // Passwords are in the phone's file, never in what is kept of it.
    expect(kept).to.include('********');
    for (const s of secrets) { expect(kept).to.not.include(s); expect(JSON.stringify(diff.json)).to.not.include(s); }
  });

  it('keeps template revisions and rolls back to one through the API, audited', async () => {
    const history = (await w.call('GET', `catalog/templates/${enc(TEMPLATE)}/history`, w.tokens.superadmin)).json.data;
    // The body before history was kept, and the edit of the previous test.
    expect(history).to.have.length(2);
    expect(history[0].who).to.deep.equal({ type: 'admin_token', name: 'PROVISION_ADMIN_TOKEN' });
    const original = history[1].revision;
    const current = (await w.call('GET', `catalog/templates/${enc(TEMPLATE)}`, w.tokens.superadmin)).json.data;

    expect((await w.call('GET', `catalog/templates/${enc(TEMPLATE)}/history`, w.tokens.accountAdmin)).status).to.equal(403);
    const noRev = await w.call('POST', `catalog/templates/${enc(TEMPLATE)}/rollback`, w.tokens.superadmin, { data: { revision: original } });
    expect(noRev.status).to.equal(400);
    expect(noRev.json.message).to.include('_rev');
    const bad = await w.call('POST', `catalog/templates/${enc(TEMPLATE)}/rollback`, w.tokens.superadmin, { data: { revision: '000000000000001:abcdef', _rev: current._rev } });
    expect(bad.status).to.equal(404);
    expect(bad.json.message).to.include('no kept revision');
    const stale = await w.call('POST', `catalog/templates/${enc(TEMPLATE)}/rollback`, w.tokens.superadmin, { data: { revision: original, _rev: '1-0000' } });
    expect(stale.status).to.equal(409);
    expect((await w.call('GET', `catalog/templates/${enc(TEMPLATE)}/history`, w.tokens.superadmin)).json.data).to.have.length(2);

    const rolled = await w.call('POST', `catalog/templates/${enc(TEMPLATE)}/rollback`, w.tokens.resellerAdmin, { data: { revision: original, _rev: current._rev } });
    expect(rolled.status).to.equal(200);
    const now = (await w.call('GET', `catalog/templates/${enc(TEMPLATE)}`, w.tokens.superadmin)).json.data;
    expect(now.cfg_tone['voice.tone.country'].value).to.not.equal('Japan');
    expect((await w.call('GET', `catalog/templates/${enc(TEMPLATE)}/history`, w.tokens.superadmin)).json.data).to.have.length(3);

    const trail = await w.call('GET', `audit?scope=catalog&object_type=template&object_id=${enc(TEMPLATE)}`, w.tokens.superadmin);
    expect(trail.json.data.events.map((e: any) => e.action)).to.deep.equal(['template_rolled_back', 'template_updated']);
    const [back, edit] = trail.json.data.events;
    expect(back.who).to.include({ type: 'kazoo_user', name: 'Rex Reseller' });
    expect(back.details).to.deep.equal({ revision: original });
    expect(edit.changes).to.deep.include({ path: '/cfg_tone/voice.tone.country/value', before: now.cfg_tone['voice.tone.country'].value, after: 'Japan' });
    expect((await w.call('GET', 'audit?scope=catalog', w.tokens.resellerAdmin)).status).to.equal(403);
  });

  it('records lock and credential changes with who and a masked diff, shown only to the account\'s admins', async () => {
    const creds = (await w.call('GET', `accounts/${w.account}/devices/${device._id}/credentials`, w.tokens.accountAdmin)).json.data;
    const rotated = (await w.call('POST', `accounts/${w.account}/devices/${device._id}/credentials/rotate`, w.tokens.accountAdmin, { data: {} })).json.data;
    secrets.push(creds.password, rotated.password);
    expect((await w.call('DELETE', `locks/${w.account}/${mac}`, w.tokens.accountAdmin)).status).to.equal(200);

    const page = await w.call('GET', `accounts/${w.account}/audit`, w.tokens.resellerAdmin);
    expect(page.status).to.equal(200);
    const [unlock, rotate] = page.json.data.events;
    expect(unlock).to.include({ action: 'lock_removed', account_id: w.account });
    expect(unlock.object).to.deep.equal({ type: 'device_lock', id: mac });
    expect(unlock.changes.map((c: any) => c.path)).to.include('/ip');
    expect(rotate).to.include({ action: 'credentials_rotated' });
    expect(rotate.who).to.deep.equal({ type: 'kazoo_user', id: w.ids.accountAdmin, account_id: w.account, name: 'Ada Admin' });
    expect(rotate.changes).to.deep.include({ path: '/password', before: '********', after: '********' });

    const one = await w.call('GET', `accounts/${w.account}/audit?limit=1`, w.tokens.accountAdmin);
    expect(one.json.data.events.map((e: any) => e.id)).to.deep.equal([unlock.id]);
    const next = await w.call('GET', `accounts/${w.account}/audit?limit=1&start=${enc(one.json.data.next)}`, w.tokens.accountAdmin);
    expect(next.json.data.events.map((e: any) => e.id)).to.deep.equal([rotate.id]);
    const locks = await w.call('GET', `accounts/${w.account}/audit?object_type=device_lock&object_id=${mac}`, w.tokens.accountAdmin);
    expect(locks.json.data.events.map((e: any) => e.action)).to.deep.equal(['lock_removed']);

    for (const token of [w.tokens.otherAdmin, w.tokens.user]) expect((await w.call('GET', `accounts/${w.account}/audit`, token)).status).to.equal(403);
    expect((await w.call('GET', `accounts/${w.other}/audit`, w.tokens.otherAdmin)).json.data.events).to.deep.equal([]);
    const badLimit = await w.call('GET', `accounts/${w.account}/audit?limit=5000`, w.tokens.accountAdmin);
    expect(badLimit.status).to.equal(400);
    expect(badLimit.json.message).to.include('limit');
    const halfObject = await w.call('GET', `accounts/${w.account}/audit?object_type=device_lock`, w.tokens.accountAdmin);
    expect(halfObject.status).to.equal(400);

    const events = await w.srv.app.stateDb.list({ startkey: 'audit:', endkey: 'audit:\ufff0', include_docs: true });
    expect(events.rows.length).to.be.greaterThan(3);
    const all = JSON.stringify(events.rows);
    for (const s of secrets) expect(all).to.not.include(s);
  });
  it('drops audit events and kept file bodies after their retention (AUDIT_RETENTION_DAYS, FETCH_BODY_DAYS)', async () => {
    const count = async (prefix: string) => (await w.srv.app.stateDb.list({ startkey: prefix, endkey: `${prefix}\ufff0` })).rows.length;
    expect(await count('audit:')).to.be.greaterThan(0);
    expect(await count('body:')).to.be.greaterThan(0);
    const sweeper = new Sweeper(w.srv.app);
    const realNow = w.srv.app.now;
    try {
      // Past the body retention (90 days) but within the audit's (365): only the bodies go.
      w.srv.app.now = () => realNow() + 91 * 86_400_000;
      while (await sweeper.sweep()) { /* pages of 500 */ }
      expect(await count('body:')).to.equal(0);
      expect(await count('audit:')).to.be.greaterThan(0);
      w.srv.app.now = () => realNow() + 366 * 86_400_000;
      while (await sweeper.sweep()) { /* pages of 500 */ }
      expect(await count('audit:')).to.equal(0);
    } finally {
      w.srv.app.now = realNow;
      sweeper.stop();
    }
  });
});

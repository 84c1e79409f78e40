// Bulk import and export of desk phones through the HTTP API, with Kazoo's crossbar faked as Kazoo
// documents it (test/browser/crossbar-api.ts): dry run, all-or-nothing, limits, export.
import { expect } from 'chai';
import { crossbarApi } from './browser/crossbar-api.js';
import { newId, newMac } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { deviceFor } from '../server/bulk/import.js';

const colon = (mac: string) => mac.toUpperCase().match(/../g)!.join(':');

describe('bulk import and export of devices', function () {
  this.timeout(60000);
  let w: World;
  let usedMac: string;
  let usedDevice: string;
  before(async () => {
    w = await startWorld();
    w.crossbar.route = crossbarApi(w.kazoo);
    usedMac = newMac();
    usedDevice = (await w.kazoo.device(w.account, { name: 'Existing', mac: usedMac, brand: 'yealink', family: 't4x', model: 't46s' }))._id;
    await waitFor(async () => w.srv.services.macIndex.lookup(usedMac).kind === 'devices', 10000, 'the existing MAC indexed');
  });
  after(async () => { await w?.close(); });

  const kazooDevices = async (accountId = w.account) => (await w.srv.services.kazoo.devices(accountId));
  const check = (csv: string, token = w.tokens.accountAdmin) => w.call('POST', `accounts/${w.account}/devices/import/check`, token, { data: { csv } });
  const run = (csv: string, token = w.tokens.accountAdmin) => w.call('POST', `accounts/${w.account}/devices/import`, token, { data: { csv } });

  it('a dry run reports every row with each reason, and writes nothing', async () => {
    const good = newMac();
    const dup = newMac();
    const ghost = newId();
    const csv = ['MAC,Model,User,Name',
      `${colon(good)},yealink/t4x/t46s,${w.ids.user},Reception`,
      `80:5e:c0:zz:00:01,yealink/t4x/t46s,,Bad MAC`,
      `${newMac()},yealink/t4x/t99x,,Unknown model`,
      `${newMac()},yealink,,Half a model`,
      `${usedMac},yealink/t4x/t46s,,Used MAC`,
      `${newMac()},yealink/t4x/t46s,${ghost},Unknown user`,
      `${dup},yealink/t4x/t46s,,"Dup, first"`,
      `${dup.toUpperCase()},yealink/t4x/t46s,,Dup second`,
      `${newMac()},yealink/t4x/t46s,,`].join('\r\n');
    const before = (await kazooDevices()).length;
    const res = await check(csv);
    expect(res.status, res.text).to.equal(200);
    expect(res.json.data).to.include({ dry_run: true, total: 9, ok: 2, errors: 7 });
    const rows = res.json.data.rows as Array<{ line: number; status: string; errors: string[]; mac: string; name: string }>;
    const reason = (line: number) => rows.find((r) => r.line === line)!.errors.join(' | ');
    expect(rows[0]).to.include({ line: 2, status: 'ok', mac: good, name: 'Reception' });
    expect(reason(3)).to.match(/is not a MAC address/);
    expect(reason(4)).to.match(/catalog has no model yealink\/t4x\/t99x/);
    expect(reason(5)).to.match(/write brand\/family\/model/);
    expect(reason(6)).to.include(`already used by device ${usedDevice} of this account`);
    expect(reason(7)).to.include(`this account has no user ${ghost}`);
    expect(rows[6]).to.include({ status: 'ok', name: 'Dup, first' });
    expect(reason(9)).to.match(/also on line 8 of this file/);
    expect(reason(10)).to.match(/name is empty/);
    expect((await kazooDevices()).length).to.equal(before);
  });

  it('the real run with one bad row creates nothing and says which row', async () => {
    const before = (await kazooDevices()).length;
    const res = await run(`mac,model,user,name\n${newMac()},yealink/t4x/t46s,,Fine\n${newMac()},nobrand/x/y,,Wrong\n`);
    expect(res.status, res.text).to.equal(400);
    expect(res.json.message).to.match(/1 of 2 rows have errors; nothing was created/);
    expect(res.json.data.rows[1].errors[0]).to.match(/catalog has no model nobrand\/x\/y/);
    expect((await kazooDevices()).length).to.equal(before);
  });

  it('creates the devices through crossbar as SmartPBX writes them, then the same file is refused', async () => {
    const [a, b] = [newMac(), newMac()];
    const csv = `mac,model,user,name\n${colon(a)},yealink/t4x/t46s,${w.ids.user},Imported A\n${b},yealink/t4x/t46s,,Imported B\n`;
    const res = await run(csv);
    expect(res.status, res.text).to.equal(201);
    expect(res.json.data).to.include({ total: 2, errors: 0 });
    const created = (await kazooDevices()).filter((d) => String(d.name).startsWith('Imported'));
    expect(created.map((d) => d.name).sort()).to.deep.equal(['Imported A', 'Imported B']);
    const da = created.find((d) => d.name === 'Imported A')!;
    expect(da).to.include({ mac_address: a, owner_id: w.ids.user, device_type: 'sip_device', enabled: true });
    expect(da.provision).to.include({ endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't46s' });
    expect(da.sip?.username).to.match(/^user_[a-z0-9]{10}$/);
    expect(da.sip?.password).to.have.length.greaterThan(10);
    expect(res.json.data.rows.map((r: { device_id: string }) => r.device_id)).to.have.members(created.map((d) => d._id));
    await waitFor(async () => w.srv.services.macIndex.lookup(b).kind === 'devices', 10000, 'the imported MAC indexed');
    const again = await check(csv);
    expect(again.json.data.errors).to.equal(2);
    expect(again.json.data.rows[1].errors[0]).to.match(/already used by device/);

    const exp = await http(`${w.srv.url}/api/accounts/${w.account}/devices/export`, { headers: { 'x-auth-token': w.tokens.accountAdmin } });
    expect(exp.status).to.equal(200);
    expect(exp.headers.get('content-type')).to.match(/^text\/csv/);
    const lines = exp.text.trim().split('\r\n');
    expect(lines[0]).to.equal('mac,model,name,user,device_id,enabled,template_found,last_fetched_at,last_file,last_ip,user_agent,etag_current,locked_to_ip,mac_conflict');
    expect(lines).to.include(`${a},yealink/t4x/t46s,Imported A,${w.ids.user},${da._id},true,true,,,,,,,false`);
  });

  it('removes what it created when Kazoo refuses a device midway', async () => {
    const api = crossbarApi(w.kazoo);
    let puts = 0;
    // Another admin takes the second MAC in Kazoo between our check and our write: Kazoo answers
    // 400 "validation error" ("MAC address already in use").
    w.crossbar.route = async (req, url, cb) => (req.method === 'PUT' && ++puts === 2 ? { status: 400, body: { message: 'validation error' } } : api(req, url, cb));
    try {
      const before = (await kazooDevices()).length;
      const res = await run(`mac,model,user,name\n${newMac()},yealink/t4x/t46s,,Rolled back\n${newMac()},yealink/t4x/t46s,,Refused\n`);
      expect(res.status, res.text).to.equal(409);
      expect(res.json.data.rows[1].errors[0]).to.match(/Kazoo refused the device \(400 validation error\)/);
      expect((await kazooDevices()).length).to.equal(before);
    } finally { w.crossbar.route = api; }
  });

  it('refuses oversized or malformed files and callers without the right', async () => {
    const many = ['mac,model,user,name', ...Array.from({ length: 1001 }, (_, i) => `${newMac()},yealink/t4x/t46s,,P${i}`)].join('\n');
    const big = await check(many);
    expect(big.status).to.equal(413);
    expect(big.json.message).to.match(/at most 1000 are taken at once/);
    const huge = await check(`mac,model,user,name\n${'x'.repeat(300 * 1024)}`);
    expect(huge.status).to.equal(413);
    const noHeader = await check(`${newMac()},yealink/t4x/t46s,,X`);
    expect(noHeader.status).to.equal(400);
    expect(noHeader.json.message).to.match(/must name the columns mac,model,user,name/);
    const unclosed = await check('mac,model,user,name\n"805ec0000001,yealink/t4x/t46s,,X');
    expect(unclosed.status).to.equal(400);
    expect(unclosed.json.message).to.match(/opened on line 2 is never closed/);
    expect((await check('', w.tokens.accountAdmin)).status).to.equal(400);
    expect((await check('mac,model,user,name\n', w.tokens.user)).status).to.equal(403);
    expect((await check('mac,model,user,name\n', w.tokens.otherAdmin)).status).to.equal(403);
    const asAdminToken = await run(`mac,model,user,name\n${newMac()},yealink/t4x/t46s,,X\n`, w.tokens.superadmin);
    expect(asAdminToken.status).to.equal(403);
    expect(asAdminToken.json.message).to.match(/your own Kazoo token/);
    const exp = await http(`${w.srv.url}/api/accounts/${w.account}/devices/export`, { headers: { 'x-auth-token': w.tokens.user } });
    expect(exp.status).to.equal(403);
  });
});

describe('bulk import: the SIP credentials of a new device', () => {
  it('always gives a username of user_ and ten lower-case letters or digits, as SmartPBX does, and a fresh password', () => {
    const row = { line: 2, mac: newMac(), model: 'yealink/t4x/t46s', user: '', name: 'Desk', status: 'ok' as const, errors: [] };
    const template = { endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't46s' };
    const made = Array.from({ length: 500 }, () => deviceFor(row, template, 'example.sip.test').sip);
    for (const sip of made) expect(sip.username).to.match(/^user_[a-z0-9]{10}$/);
    expect(new Set(made.map((s) => s.password)).size).to.equal(made.length);
  });
});

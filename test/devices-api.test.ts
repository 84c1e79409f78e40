import { expect } from 'chai';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { waitFor } from './support.js';

describe('device management API', function () {
  this.timeout(60000);
  let w: World;
  let mine: { _id: string; sip: { username: string; password: string } };
  let theirs: { _id: string };
  let mac: string;

  before(async () => {
    w = await startWorld();
    await w.kazoo.update(w.account, w.account, (doc) => { doc.provision = { provision_enabled: true, urlpass: 'url-pass-devices-api', admin_password: 'admin-pw-devices-api' }; });
    mac = newMac('805ec0');
    mine = await w.kazoo.device(w.account, { name: 'Uma desk', mac, ownerId: w.ids.user, brand: 'yealink', family: 't4x', model: 't46s' });
    theirs = await w.kazoo.device(w.account, { name: 'Ada desk', mac: newMac('805ec0'), ownerId: w.ids.accountAdmin, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => w.srv.services.macIndex.lookup(mac).kind === 'devices', 5000, 'index');
  });
  after(async () => { await w.close(); });

  it('lists every device for an admin (also of the reseller), only their own for a user, nothing for another account', async () => {
    for (const token of [w.tokens.accountAdmin, w.tokens.resellerAdmin, w.tokens.superadmin]) {
      const res = await w.call('GET', `accounts/${w.account}/devices`, token);
      expect(res.status).to.equal(200);
      expect(res.json.data.map((d: any) => d.id)).to.have.members([mine._id, theirs._id]);
    }
    const own = await w.call('GET', `accounts/${w.account}/devices`, w.tokens.user);
    expect(own.json.data.map((d: any) => d.id)).to.deep.equal([mine._id]);
    const d = own.json.data[0];
    expect(d).to.include({ mac_address: mac, brand: 'yealink', model: 't46s', template_id: 'ui/yealink/t4x/t46s', template_found: true, conflict: false });
    expect(d.provisioning_url).to.equal(`${w.srv.app.config.publicUrl}/prov/yealink/${mac}.cfg`);
    expect(JSON.stringify(own.json)).to.not.include(mine.sip.password);
    expect((await w.call('GET', `accounts/${w.account}/devices`, w.tokens.otherAdmin)).status).to.equal(403);
  });

  it('shows when a phone last fetched its config', async () => {
    await waitFor(async () => (await fetch(`${w.srv.url}/prov/yealink/${mac}.cfg?pass=url-pass-devices-api`, { headers: { 'User-Agent': 'Yealink SIP-T46S 66.86.0.15' } })).status === 200, 5000, 'fetch');
    const seen = await waitFor(async () => {
      const res = await w.call('GET', `accounts/${w.account}/devices`, w.tokens.accountAdmin);
      return res.json.data.find((x: any) => x.id === mine._id).last_seen;
    }, 5000, 'last_seen');
    expect(seen).to.include({ file: `${mac}.cfg`, ua: 'Yealink SIP-T46S 66.86.0.15', status: 200 });
    expect(seen.ip).to.match(/127\.0\.0\.1/);
    // The first good fetch pinned the phone to its address; the list shows it.
    const listed = (await w.call('GET', `accounts/${w.account}/devices`, w.tokens.accountAdmin)).json.data.find((x: any) => x.id === mine._id);
    expect(listed.lock).to.include({ ip: '127.0.0.1' });
  });

  it('previews each file with secrets masked; only admins may reveal them', async () => {
    const files = await w.call('GET', `accounts/${w.account}/devices/${mine._id}/config`, w.tokens.user);
    expect(files.status).to.equal(200);
    expect(files.json.data.files.map((f: any) => f.name)).to.include(`${mac}.cfg`).and.include('y000000000066.cfg');
    const masked = await w.call('GET', `accounts/${w.account}/devices/${mine._id}/config/${mac}.cfg`, w.tokens.user);
    expect(masked.json.data.masked).to.equal(true);
    expect(masked.json.data.content).to.include('account.1.password = ********');
    expect(masked.json.data.content).to.include(`account.1.user_name = ${mine.sip.username}`);
    expect(masked.json.data.content).to.not.include(mine.sip.password).and.not.include('admin-pw-devices-api');
    expect((await w.call('GET', `accounts/${w.account}/devices/${mine._id}/config/${mac}.cfg?reveal=true`, w.tokens.user)).status).to.equal(403);
    const revealed = await w.call('GET', `accounts/${w.account}/devices/${mine._id}/config/${mac}.cfg?reveal=true`, w.tokens.accountAdmin);
    expect(revealed.json.data.content).to.include(`account.1.password = ${mine.sip.password}`);
    // A user may not look at someone else's phone.
    expect((await w.call('GET', `accounts/${w.account}/devices/${theirs._id}/config`, w.tokens.user)).status).to.equal(403);
    expect((await w.call('GET', `accounts/${w.account}/devices/${mine._id}/config/nope.cfg`, w.tokens.user)).status).to.equal(404);
  });

  it('lists MAC conflicts without naming accounts the caller may not see', async () => {
    const shared = newMac('805ec0');
    await w.kazoo.device(w.account, { mac: shared, brand: 'yealink', family: 't4x', model: 't46s' });
    await w.kazoo.device(w.other, { mac: shared, brand: 'yealink', family: 't4x', model: 't46s' });
    const res = await waitFor(async () => {
      const r = await w.call('GET', `accounts/${w.account}/conflicts`, w.tokens.accountAdmin);
      return r.json.data.find((c: any) => c.mac === shared) ? r : null;
    }, 5000, 'conflict');
    expect(res.json.data.find((c: any) => c.mac === shared)).to.deep.equal({ mac: shared, accounts: [w.account], other_accounts: 1 });
    expect((await w.call('GET', `accounts/${w.account}/conflicts`, w.tokens.user)).status).to.equal(403);
  });
});

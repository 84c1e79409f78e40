// Who may do what with SessionTalk codes and activations, with real Kazoo tokens (fake crossbar):
// users for the devices they own, admins (and resellers above them) for any device of the account.
import { expect } from 'chai';
import { startWorld, type World } from './kazoo-tenants.js';
import { sessiontalkDriver, type Tenant } from './sessiontalk-driver.js';

describe('SessionTalk roles', () => {
  let w: World;
  let t: Tenant;
  const st = sessiontalkDriver(() => w.srv, () => w.kazoo, new Set());
  const call = (method: string, path: string, token: string, data?: unknown) =>
    w.call(method, `accounts/${path}`, token, data === undefined ? undefined : { data });

  before(async () => {
    w = await startWorld();
    const realm = w.srv.services.kazoo.account(w.account)!.realm!;
    t = { id: w.account, realm, label: realm.split('.')[0] };
    await st.api('PUT', `${t.id}/sessiontalk/settings`, { max_activations: 0 });
  });
  after(async function () { this.timeout(60000); await w?.close(); });

  it('settings are for admins of the account or above it', async () => {
    expect((await call('GET', `${t.id}/sessiontalk/settings`, w.tokens.accountAdmin)).status).to.equal(200);
    expect((await call('GET', `${t.id}/sessiontalk/settings`, w.tokens.resellerAdmin)).status).to.equal(200);
    for (const token of [w.tokens.user, w.tokens.otherAdmin]) {
      expect((await call('GET', `${t.id}/sessiontalk/settings`, token)).status).to.equal(403);
      expect((await call('PUT', `${t.id}/sessiontalk/settings`, token, { srtp: 'Enabled' })).status).to.equal(403);
    }
  });

  it('a user mints, lists and deactivates for the devices they own only; an admin for any', async () => {
    const mine = await st.device(t, { ownerId: w.ids.user });
    const theirs = await st.device(t, { ownerId: w.ids.accountAdmin });
    const unowned = await st.device(t);
    const own = await st.mint(t, mine._id, w.tokens.user);
    expect(own.payload).to.equal(`scsc:${mine.sip.username}@${t.realm}:${own.code}`);
    for (const d of [theirs, unowned]) {
      const res = await call('POST', `${t.id}/sessiontalk/codes`, w.tokens.user, { device_id: d._id });
      expect(res.status).to.equal(403);
      expect(res.json).to.include({ status: 'error', error: 'forbidden' });
    }
    const adminCode = await st.mint(t, theirs._id, w.tokens.accountAdmin);
    await st.mint(t, unowned._id, w.tokens.resellerAdmin);
    expect((await call('POST', `${t.id}/sessiontalk/codes`, w.tokens.otherAdmin, { device_id: mine._id })).status).to.equal(403);

    expect((await st.scan(own, st.install())).json.errmsg).to.equal('Valid Activation');
    expect((await st.scan(adminCode, st.install())).json.errmsg).to.equal('Valid Activation');

    const userCodes = (await call('GET', `${t.id}/sessiontalk/codes`, w.tokens.user)).json.data as any[];
    expect(userCodes.map((c) => c.device_id)).to.deep.equal([mine._id]);
    expect((await call('GET', `${t.id}/sessiontalk/codes`, w.tokens.accountAdmin)).json.data).to.have.length(3);
    const userActs = (await call('GET', `${t.id}/sessiontalk/activations`, w.tokens.user)).json.data as any[];
    expect(userActs.map((a) => a.device_id)).to.deep.equal([mine._id]);
    const all = (await call('GET', `${t.id}/sessiontalk/activations`, w.tokens.accountAdmin)).json.data as any[];
    const other = all.find((a) => a.device_id === theirs._id);

    // Adding a device: the user may add one they own, not someone else's; the admin may.
    const second = await st.device(t, { ownerId: w.ids.user });
    expect((await call('PUT', `${t.id}/sessiontalk/activations/${userActs[0].id}/devices/${second._id}`, w.tokens.user)).status).to.equal(200);
    expect((await call('PUT', `${t.id}/sessiontalk/activations/${userActs[0].id}/devices/${unowned._id}`, w.tokens.user)).status).to.equal(403);
    expect((await call('PUT', `${t.id}/sessiontalk/activations/${userActs[0].id}/devices/${unowned._id}`, w.tokens.accountAdmin)).status).to.equal(200);

    expect((await call('PATCH', `${t.id}/sessiontalk/activations/${other.id}`, w.tokens.user, { enabled: false })).status).to.equal(403);
    expect((await call('DELETE', `${t.id}/sessiontalk/activations/${other.id}`, w.tokens.user)).status).to.equal(403);
    expect((await call('DELETE', `${t.id}/sessiontalk/activations/${other.id}`, w.tokens.otherAdmin)).status).to.equal(403);
    expect((await call('DELETE', `${t.id}/sessiontalk/activations/${userActs[0].id}`, w.tokens.user)).status).to.equal(200);
    expect((await call('DELETE', `${t.id}/sessiontalk/activations/${other.id}`, w.tokens.accountAdmin)).status).to.equal(200);
  });
});

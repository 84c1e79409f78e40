// A tenant admin sees only the unknown MACs it can prove are its own (issue 16, point 5): those
// fetching from where its own phones fetch and no other account's do, or from a narrow range around
// such an address. Putting 127.0.0.0/16 (or 0.0.0.0/0, or a /16) into its own `cidrs` shows it no
// other tenant's new phones; a NAT two tenants share shows them to neither; the super-admin sees all;
// a reseller sees its sub-accounts'. Phones appear at public documentation addresses through a
// trusted proxy's X-Forwarded-For.
import { expect } from 'chai';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { phoneGet } from './security-client.js';
import { waitFor } from './support.js';

const PASS = 'url-pass-sighting-visibility';
const SITE_A = '198.51.100.10';
const NEAR_A = '198.51.100.20';
const WIDE_A = '198.51.99.5';
const SHARED = '192.0.2.7';
const SITE_B = '203.0.113.10';
const NEAR_B = '203.0.113.99';
const NEW_TENANT = '127.0.0.60';

describe('unknown MACs an account can prove are its own', function () {
  this.timeout(60000);
  let w: World;
  const unknown = { atA: newMac(), nearA: newMac(), wideA: newMac(), shared: newMac(), newTenant: newMac(), nearB: newMac() };

  const fetchFrom = (mac: string, ip: string) =>
    phoneGet(`${w.srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`, { headers: { 'User-Agent': 'Yealink SIP-T46S 66.86.0.15', 'X-Forwarded-For': ip } });
  const listed = async (token: string, accountId: string) => {
    const res = await w.call('GET', `accounts/${accountId}/unknown-macs`, token);
    expect(res.status, res.text).to.equal(200);
    return (res.json.data as Array<{ mac: string }>).map((u) => u.mac);
  };

  before(async () => {
    w = await startWorld({ trustedProxies: ['127.0.0.1'] });
    for (const id of [w.account, w.other]) await w.kazoo.update(id, id, (doc) => { doc.provision = { provision_enabled: true, urlpass: PASS }; });
    const phones: Array<[string, string, string]> = [[w.account, newMac(), SITE_A], [w.other, newMac(), SITE_B],
      [w.account, newMac(), SHARED], [w.other, newMac(), SHARED]];
    for (const [account, mac] of phones) await w.kazoo.device(account, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => phones.every(([, mac]) => w.srv.services.macIndex.lookup(mac).kind === 'devices'), 10000, 'phones indexed');
    for (const [, mac, ip] of phones) expect((await fetchFrom(mac, ip)).status).to.equal(200);
    const where: Record<keyof typeof unknown, string> = { atA: SITE_A, nearA: NEAR_A, wideA: WIDE_A, shared: SHARED, newTenant: NEW_TENANT, nearB: NEAR_B };
    for (const [k, mac] of Object.entries(unknown)) expect((await fetchFrom(mac, where[k as keyof typeof unknown])).status).to.equal(404);
    await w.srv.services.sightings.flush();
    const put = await w.call('PUT', `accounts/${w.account}/provisioning/settings`, w.tokens.accountAdmin,
      { data: { cidrs: ['127.0.0.0/16', '0.0.0.0/0', '198.51.0.0/16', `${NEAR_A.replace(/\d+$/, '0')}/24`, '192.0.2.0/24'] } });
    expect(put.status, put.text).to.equal(200);
  });
  after(async () => { await w.close(); });

  it('shows a tenant admin its site and the narrow range around it, nothing through loopback, wide or shared addresses', async () => {
    const mine = await listed(w.tokens.accountAdmin, w.account);
    expect(mine).to.include(unknown.atA).and.include(unknown.nearA);
    // 127.0.0.0/16: a new tenant's phone; 198.51.0.0/16: too wide; 192.0.2.7: B's phones fetch there too.
    expect(mine).to.not.include(unknown.newTenant).and.not.include(unknown.wideA).and.not.include(unknown.shared).and.not.include(unknown.nearB);
    const theirs = await listed(w.tokens.otherAdmin, w.other);
    expect(theirs).to.not.include(unknown.shared).and.not.include(unknown.atA).and.not.include(unknown.newTenant);
  });

  it('shows a reseller its sub-accounts\' sightings, and the super-admin every one', async () => {
    const reseller = await listed(w.tokens.resellerAdmin, w.reseller);
    expect(reseller).to.include(unknown.atA).and.not.include(unknown.newTenant).and.not.include(unknown.nearB);
    const res = await w.call('GET', 'unknown-macs', w.tokens.superadmin);
    expect(res.status).to.equal(200);
    expect(res.json.data.map((u: { mac: string }) => u.mac)).to.include.members(Object.values(unknown));
  });
});

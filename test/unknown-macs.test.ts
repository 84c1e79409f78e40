// Unknown MACs per account: an admin adopting a new phone on their site sees it; no tenant learns
// another tenant's unknown phones. Phones fetch from different loopback addresses (127.0.0.x) so
// that each account has a "site" of its own.
import { expect } from 'chai';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { phoneGet } from './security-client.js';
import { waitFor } from './support.js';

const PASS = 'url-pass-unknown-macs';
const SITE_A = '127.0.0.21';
const SITE_B = '127.0.0.22';
const ELSEWHERE = '127.0.0.23';

describe('unknown MACs for an account admin', function () {
  this.timeout(60000);
  let w: World;
  /** Unknown MACs seen at A's site, at B's site, and at an address neither account's phones use. */
  const atA = newMac('805ec0');
  const atB = newMac('000413');
  const elsewhere = newMac('805ec0');

  const fetchFrom = (mac: string, ip: string, ua = 'Yealink SIP-T46S 66.86.0.15') =>
    phoneGet(`${w.srv.url}/prov/yealink/${mac}.cfg?pass=${PASS}`, { ip, headers: { 'User-Agent': ua } });
  const listed = async (token: string, accountId = w.account) => {
    const res = await w.call('GET', `accounts/${accountId}/unknown-macs`, token);
    expect(res.status, res.text).to.equal(200);
    return res.json.data as Array<{ mac: string; last_ip: string; ua: string; count: number; at: number; first_at: number; brand: string | null }>;
  };

  before(async () => {
    w = await startWorld();
    for (const id of [w.account, w.other]) {
      await w.kazoo.update(id, id, (doc) => { doc.provision = { provision_enabled: true, urlpass: PASS }; });
    }
    const phoneA = newMac('805ec0');
    const phoneB = newMac('805ec0');
    await w.kazoo.device(w.account, { mac: phoneA, brand: 'yealink', family: 't4x', model: 't46s' });
    await w.kazoo.device(w.other, { mac: phoneB, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => w.srv.services.macIndex.lookup(phoneA).kind === 'devices' && w.srv.services.macIndex.lookup(phoneB).kind === 'devices', 10000, 'both phones indexed');
    // Each account's own phone fetches from its site: that is what makes the address "theirs".
    expect((await fetchFrom(phoneA, SITE_A)).status).to.equal(200);
    expect((await fetchFrom(phoneB, SITE_B)).status).to.equal(200);
    expect((await fetchFrom(atA, SITE_A)).status).to.equal(404);
    expect((await fetchFrom(atB, SITE_B, 'snomD785-SIP 10.1.54.13')).status).to.equal(404);
    expect((await fetchFrom(elsewhere, ELSEWHERE)).status).to.equal(404);
    await w.srv.services.sightings.flush();
  });
  after(async () => { await w.close(); });

  it('shows the admin the new phones fetching from their site, not another tenant\'s', async () => {
    const mine = await listed(w.tokens.accountAdmin);
    const macs = mine.map((u) => u.mac);
    expect(macs).to.include(atA);
    expect(macs).not.to.include(atB).and.not.to.include(elsewhere);
    const seen = mine.find((u) => u.mac === atA)!;
    expect(seen).to.include({ last_ip: SITE_A, ua: 'Yealink SIP-T46S 66.86.0.15', count: 1, brand: 'yealink' });
    expect(seen.first_at).to.be.a('number').and.at.most(seen.at);
    // The other tenant sees theirs, and the reseller sees its customer's.
    const theirs = (await listed(w.tokens.otherAdmin, w.other)).map((u) => u.mac);
    expect(theirs).to.include(atB).and.not.include(atA);
    expect((await listed(w.tokens.otherAdmin, w.other)).find((u) => u.mac === atB)!.brand).to.equal('snom');
    expect((await listed(w.tokens.resellerAdmin)).map((u) => u.mac)).to.include(atA);
  });

  it('shows nothing more through loopback or catch-all ranges (test/sighting-visibility.test.ts has the ranges that count)', async () => {
    const put = (cidrs: string[]) => w.call('PUT', `accounts/${w.account}/provisioning/settings`, w.tokens.accountAdmin, { data: { cidrs } });
    try {
      expect((await put([`${SITE_A}/32`, `${ELSEWHERE}/32`])).status).to.equal(200);
      expect((await listed(w.tokens.accountAdmin)).map((u) => u.mac)).to.include(atA).and.not.include(elsewhere);
      // 0.0.0.0/0 lets every address fetch A's files; it must not reveal B's new phone to A.
      expect((await put(['0.0.0.0/0'])).status).to.equal(200);
      const wide = (await listed(w.tokens.accountAdmin)).map((u) => u.mac);
      expect(wide).to.include(atA).and.not.include(atB).and.not.include(elsewhere);
    } finally {
      await put([]);
    }
  });

  it('refuses users, admins of other accounts, and bad account ids', async () => {
    const user = await w.call('GET', `accounts/${w.account}/unknown-macs`, w.tokens.user);
    expect(user.status).to.equal(403);
    expect(user.json.message).to.match(/administrator/);
    expect((await w.call('GET', `accounts/${w.account}/unknown-macs`, w.tokens.otherAdmin)).status).to.equal(403);
    expect((await w.call('GET', `accounts/${w.account}/unknown-macs`)).status).to.equal(401);
    const bad = await w.call('GET', 'accounts/not-an-account/unknown-macs', w.tokens.accountAdmin);
    expect(bad.status).to.equal(400);
    expect(bad.json.message).to.match(/not a Kazoo account id/);
  });

  it('drops a MAC once it is on a Kazoo device', async () => {
    const adopted = newMac('805ec0');
    expect((await fetchFrom(adopted, SITE_A)).status).to.equal(404);
    await w.srv.services.sightings.flush();
    expect((await listed(w.tokens.accountAdmin)).map((u) => u.mac)).to.include(adopted);
    await w.kazoo.device(w.account, { name: 'Adopted', mac: adopted, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => w.srv.services.macIndex.lookup(adopted).kind === 'devices', 10000, 'the adopted phone indexed');
    expect((await listed(w.tokens.accountAdmin)).map((u) => u.mac)).not.to.include(adopted);
    expect((await fetchFrom(adopted, SITE_A)).status).to.equal(200);
  });
});

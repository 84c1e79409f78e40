// Issue 16, point 8: SessionTalk's provisioning endpoint under abuse. Every refusal takes the same
// minimum time; the per-user limit is keyed on what is checked (the realm's code); ten installs
// scanning one code at once under `move` leave exactly one with the SIP account; a QR code can be
// minted for an account created a moment ago.
import { expect } from 'chai';
import type { RunningServer } from '../server/server.js';
import { startTestServer } from './harness.js';
import { KazooFixture } from './fixtures/kazoo.js';
import { waitFor } from './support.js';
import { sessiontalkDriver } from './sessiontalk-driver.js';

const FLOOR_MS = 250;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('SessionTalk under abuse', function () {
  this.timeout(120000);
  let srv: RunningServer;
  let kazoo: KazooFixture;
  const secrets = new Set<string>();
  const st = sessiontalkDriver(() => srv, () => kazoo, secrets);
  before(async () => {
    srv = await startTestServer({ failureDelayMs: FLOOR_MS } as never);
    kazoo = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv?.close(); });

  it('answers every refusal no sooner than the floor, for a known realm and an unknown one alike', async () => {
    const t = await st.tenant();
    const d = await st.device(t);
    await st.mint(t, d._id);
    const timed = async (username: string) => {
      const t0 = performance.now();
      const res = await st.prov({ username, password: 'ABCD-EFGH-JKLM', deviceId: st.install(), reprovision: 'false' });
      expect(res.json.errmsg).to.equal('Invalid Key');
      return performance.now() - t0;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      known.push(await timed(`${d.sip.username}@${t.realm}`));
      unknown.push(await timed(`${d.sip.username}@nobody-${i}.sip.example.com`));
    }
    for (const ms of [...known, ...unknown]) expect(ms).to.be.at.least(FLOOR_MS - 1);
    // Same time class: the medians differ by less than the jitter plus the scheduling noise of a busy machine.
    expect(Math.abs(median(known) - median(unknown)), `known ${median(known)} unknown ${median(unknown)}`).to.be.below(100);
  });

  it("keys the per-user limit on the realm's code: a stranger cannot spend a real app's budget, nor escape it with new names", async () => {
    const t = await st.tenant();
    const d = await st.device(t);
    const m = await st.mint(t, d._id);
    // 40 requests under the real user's name with made-up codes (the limit allows 30 per user).
    for (let i = 0; i < 40; i++) {
      const res = await st.prov({ username: m.username, password: `WXYZ-${String(i).padStart(4, '0')}-QRST`, deviceId: st.install(), reprovision: 'false' });
      expect(res.status).to.be.oneOf([200, 429]);
    }
    const install = st.install();
    expect((await st.scan(m, install)).json.errmsg, 'the real app is not throttled').to.equal('Valid Activation');
    // The real code under ever new names before the @: one budget.
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) {
      const res = await st.prov({ username: `name${i}@${t.realm}`, password: m.code, deviceId: install, reprovision: 'true' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 29).every((s) => s === 200), String(statuses)).to.equal(true);
    expect(statuses.slice(-3), String(statuses)).to.deep.equal([429, 429, 429]);
  });

  it('under move, ten installs scanning one code at once: exactly one gets the SIP account, nine a clean refusal', async () => {
    const t = await st.tenant({ move_policy: 'move' });
    const d = await st.device(t);
    const m = await st.mint(t, d._id);
    const installs = Array.from({ length: 10 }, () => st.install());
    const results = await Promise.all(installs.map((i) => st.scan(m, i)));
    const got = results.filter((r) => Array.isArray(r.json.sipaccounts) && r.json.sipaccounts.length);
    expect(results.map((r) => r.status), JSON.stringify(results.map((r) => r.json.errmsg))).to.deep.equal(Array(10).fill(200));
    expect(got, JSON.stringify(results.map((r) => r.json.errmsg))).to.have.length(1);
    expect(got[0].json.sipaccounts[0].sippassword).to.equal(d.sip.password);
    expect(results.filter((r) => r.json.errmsg === 'Code Already Used')).to.have.length(9);
    // The one that got it still holds it; a later scan by another install moves it, as `move` says.
    const winner = installs[results.indexOf(got[0])];
    expect((await st.scan(m, winner, true)).json.errmsg).to.equal('Valid Activation');
    await new Promise((r) => setTimeout(r, 5));
    const late = st.install();
    expect((await st.scan(m, late)).json.errmsg).to.equal('Valid Activation');
    expect((await st.scan(m, winner, true)).json.errmsg).to.equal('Invalid Device');
  });

  it('mints a QR code for an account created a moment ago in Kazoo, before our copy of accounts has it', async () => {
    const label = `fresh${Date.now() % 100000}`;
    const acc = await kazoo.account({ realm: `${label}.sip.example.com` });
    const d = await st.device({ id: acc._id, realm: acc.realm, label }, {});
    // Our mirror of `accounts` follows Kazoo's feed; here it has not caught up yet.
    await waitFor(async () => srv.services.kazoo.account(acc._id), 5000, 'the feed');
    srv.services.kazoo.apply(acc._id, null, false);
    const put = await st.api('PUT', `${acc._id}/sessiontalk/settings`, { base_domain: 'sip.example.com' });
    expect(put.status, put.text).to.equal(200);
    const m = await st.mint({ id: acc._id, realm: acc.realm, label }, d._id);
    expect(m.username).to.equal(`${d.sip.username}@${acc.realm}`);
    expect((await st.api('GET', `${'0'.repeat(32)}/sessiontalk/codes`)).status).to.equal(404);
  });
});

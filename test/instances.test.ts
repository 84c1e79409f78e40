// Two server instances on one CouchDB behave as one: caches converge from change feeds, mobile
// activations are shared, and both sweeping the same Kazoo accounts leaves exactly the right MAC
// index (no entry duplicated or lost). In-process, each instance with its own port.
// Phones call from 127.0.0.5x here: other files count refusals per source address in the shared log.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { startServer, type RunningServer } from '../server/server.js';
import { normalizeMac } from '../server/kazoo/mac.js';
import { couch, runEnv, testConfig, testLog } from './harness.js';
import { KazooFixture, newId, newMac } from './fixtures/kazoo.js';
import { kazooDeviceDoc } from '../server/kazoo/docs.js';
import { http, waitFor } from './support.js';
import { sessiontalkDriver } from './sessiontalk-driver.js';
import { phoneGet } from './security-client.js';

const PASS = 'two-instances-pass-77aa';

describe('two instances on one CouchDB', function () {
  this.timeout(90000);
  let cfg: Config;
  let a: RunningServer;
  let b: RunningServer;
  let k: KazooFixture;

  before(async () => {
    cfg = testConfig({ indexIntervalMs: 200 });
    // Started together: both bootstrap the same databases at once.
    [a, b] = await Promise.all([startServer({ ...cfg }, runEnv().couchUrl, testLog), startServer({ ...cfg }, runEnv().couchUrl, testLog)]);
    k = new KazooFixture(cfg.kazooDbPrefix);
  });
  after(async () => { await Promise.all([a?.close(), b?.close()]); });

  const fetchFrom = (srv: RunningServer, path: string) => http(`${srv.url}${path}`);
  const servedBy = (srv: RunningServer, path: string, text: string) => waitFor(async () => {
    const r = await fetchFrom(srv, path);
    return r.status === 200 && r.text.includes(text) ? r : null;
  }, 15000, `${text} from ${srv.url}`);

  /** Hands `srv` a MAC document as its state feed would: late, or before its own sweep has read the change. */
  const feedMacDoc = async (srv: RunningServer, doc: { _id: string; _rev: string }) => {
    const feed = srv.services.stateFeed as unknown as { listeners: Array<{ prefixes: string[]; fn: (c: unknown[]) => unknown }> };
    for (const l of feed.listeners.filter((x) => x.prefixes.includes('mac:'))) await l.fn([{ id: doc._id, seq: '0', rev: doc._rev, doc }]);
  };

  /** A new Yealink phone in a new account, once both instances serve its file. */
  const servedByBoth = async () => {
    const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
    const mac = newMac('805ec0');
    const d = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    const path = `/prov/yealink/${mac}.cfg?pass=${PASS}`;
    await servedBy(a, path, d.sip.password);
    await servedBy(b, path, d.sip.password);
    return { account, mac, d, path };
  };

  it('serves a device change from both, and the same bytes', async () => {
    const { account, d, path } = await servedByBoth();
    await k.update(account._id, d._id, (doc) => { doc.sip.password = 'changed-for-both'; });
    const [ra, rb] = [await servedBy(a, path, 'changed-for-both'), await servedBy(b, path, 'changed-for-both')];
    expect(ra.text).to.equal(rb.text);
    expect(ra.headers.get('etag')).to.equal(rb.headers.get('etag'));
  });

  it('shares mobile activations: a code activated through one is used up on the other', async () => {
    let current = a;
    const st = sessiontalkDriver(() => current, () => k, new Set());
    const t = await st.tenant({ move_policy: 'deny' }); // a second install is refused, not moved to
    await waitFor(async () => b.services.kazoo.account(t.id), 5000, 'the account on instance B');
    const d = await st.device(t);
    const m = await st.mint(t, d._id);
    current = b;
    expect((await st.scan(m, st.install())).json.errmsg).to.equal('Valid Activation');
    expect((await http(`${b.url}/metrics`)).text).to.include('provision_sessiontalk_activations_total{kind="new"} 1');
    current = a;
    expect((await st.scan(m, st.install())).json.errmsg).to.equal('Code Already Used');
    const list = (await st.api('GET', `${t.id}/sessiontalk/activations`)).json.data as unknown[];
    expect(list).to.have.length(1);
  });

  it('shares IP locks: pinned through one, enforced and released on the other, and preloaded by a third started later', async () => {
    // Both instances preloaded every lock at start (none then): a lock made afterwards must not be
    // taken for "known absent" by the other.
    const { account, mac, path } = await servedByBoth();
    // The fetches above came from 127.0.0.1: that is where it is pinned.
    await waitFor(async () => (await phoneGet(`${b.url}${path}`, { ip: '127.0.0.53' })).status === 404, 5000, 'B to refuse another IP');
    expect((await phoneGet(`${a.url}${path}`, { ip: '127.0.0.53' })).status).to.equal(404);
    const unlock = await http(`${a.url}/api/locks/${account._id}/${mac}`, { method: 'DELETE', headers: { 'x-auth-token': cfg.adminToken! } });
    expect(unlock.status).to.equal(200);
    // The next good fetch pins again, here 127.0.0.53 through B; then A refuses the old address.
    await waitFor(async () => (await phoneGet(`${b.url}${path}`, { ip: '127.0.0.53' })).status === 200, 5000, 'B to serve the new IP after the unlock');
    await waitFor(async () => (await phoneGet(`${a.url}${path}`, { ip: '127.0.0.1' })).status === 404, 5000, 'A to refuse the old IP');
    // A third instance started now (its preload holds the lock) enforces it too.
    const c = await startServer({ ...cfg }, runEnv().couchUrl, testLog);
    try {
      expect((await phoneGet(`${c.url}${path}`, { ip: '127.0.0.54' })).status).to.equal(404);
      expect((await phoneGet(`${c.url}${path}`, { ip: '127.0.0.53' })).status).to.equal(200);
    } finally {
      await c.close();
    }
  });

  it('leaves one mac: document per MAC with exactly the right entries when both sweep the same accounts', async () => {
    const expected = new Map<string, Set<string>>(); // mac → account/device
    const deviceIds: Array<{ account: string; id: string; mac: string }> = [];
    const accounts = [];
    for (let i = 0; i < 3; i++) accounts.push(await k.account({ provision: { provision_enabled: true, urlpass: PASS } }));
    const shared = newMac('805ec0'); // two devices of one account on one phone: two lines
    for (const [i, account] of accounts.entries()) {
      const docs = [];
      for (let j = 0; j < 12; j++) {
        const mac = i === 0 && j < 2 ? shared : newMac('805ec0');
        const id = newId();
        docs.push(kazooDeviceDoc({ id, accountId: account._id, name: `P${j}`, mac, username: `user_${randomBytes(4).toString('hex')}`,
          password: randomBytes(6).toString('hex'), brand: 'yealink', family: 't4x', model: 't46s' }, cfg.kazooDbPrefix));
        deviceIds.push({ account: account._id, id, mac });
      }
      // One bulk write per account: both instances see a burst of new devices in the same sweep.
      await k.server.use(k.accountDbName(account._id)).bulk({ docs });
    }
    for (const d of deviceIds) {
      const mac = normalizeMac(d.mac)!;
      if (!expected.has(mac)) expected.set(mac, new Set());
      expected.get(mac)!.add(`${d.account}/${d.id}`);
    }
    // Then moves and deletions, racing the sweeps: one device gets a new MAC, one is deleted.
    const moved = deviceIds[5];
    const movedTo = newMac('805ec0');
    const removed = deviceIds[20];
    await k.update(moved.account, moved.id, (doc) => { doc.mac_address = movedTo; });
    await k.remove(removed.account, removed.id);
    expected.get(normalizeMac(moved.mac)!)!.delete(`${moved.account}/${moved.id}`);
    expected.set(normalizeMac(movedTo)!, new Set([`${moved.account}/${moved.id}`]));
    expected.get(normalizeMac(removed.mac)!)!.delete(`${removed.account}/${removed.id}`);
    for (const [mac, set] of expected) if (!set.size) expected.delete(mac);

    const state = couch().use<any>(`${cfg.dbPrefix}${cfg.stateDb}`);
    const actual = async () => {
      const res = await state.list({ startkey: 'mac:', endkey: 'mac:\ufff0', include_docs: true, conflicts: true } as never);
      const out = new Map<string, string[]>();
      for (const row of res.rows as any[]) {
        expect(row.doc._conflicts, `conflicts on ${row.id}`).to.equal(undefined);
        out.set(row.doc.mac, row.doc.entries.map((e: { account_id: string; device_id: string }) => `${e.account_id}/${e.device_id}`));
      }
      return out;
    };
    const ours = (m: Map<string, string[]>) => new Map([...m].filter(([mac]) => [...expected.keys()].includes(mac)
      || deviceIds.some((d) => normalizeMac(d.mac) === mac)));
    let last = new Map<string, string[]>();
    const diff = () => JSON.stringify({
      missing: [...expected].filter(([mac, set]) => { const e = last.get(mac); return !e || e.length !== set.size || !e.every((x) => set.has(x)); })
        .map(([mac, set]) => ({ mac, want: [...set], got: last.get(mac) ?? null })),
      extra: [...last.keys()].filter((mac) => !expected.has(mac)).map((mac) => ({ mac, got: last.get(mac) })),
    });
    await waitFor(async () => {
      const got = ours(await actual());
      last = got;
      if (got.size !== expected.size) return false;
      for (const [mac, set] of expected) {
        const entries = got.get(mac);
        if (!entries || entries.length !== set.size || !entries.every((e) => set.has(e))) return false;
      }
      return true;
    }, 20000, 'the MAC index in CouchDB to hold exactly the expected entries').catch((err) => { throw new Error(`${(err as Error).message}: ${diff()}`); });
    const got = ours(await actual());
    expect(got.get(normalizeMac(shared)!)).to.have.length(2);
    // And each instance's memory agrees with CouchDB.
    for (const srv of [a, b]) {
      await waitFor(async () => [...expected].every(([mac, set]) => {
        const l = srv.services.macIndex.lookup(mac);
        return l.kind === 'devices' && l.entries.length === set.size && l.entries.every((e) => set.has(`${e.account_id}/${e.device_id}`));
      }), 10000, `instance ${srv.url} to agree`);
      // The deletion reaches each instance by its own read of Kazoo's changes or by the state feed, not
      // necessarily before the other MACs did.
      await waitFor(async () => srv.services.macIndex.lookup(removed.mac).kind === 'none', 10000,
        `instance ${srv.url} to forget the deleted device's MAC`).catch((err) => {
        throw new Error(`${(err as Error).message}: ${JSON.stringify(srv.services.macIndex.lookup(removed.mac))}`);
      });
    }
  });

  it('keeps its own newer MAC entry when the state feed brings another instance\'s older revision late, so a later deletion still removes it', async () => {
    // What the feed does under load: instance b removed the entry (revision N), instance a wrote it
    // back from an older read (N+1), and the feed, having read N before a's write, hands N to a after it.
    const { account, mac, d } = await servedByBoth();
    const state = couch().use<any>(`${cfg.dbPrefix}${cfg.stateDb}`);
    const id = `mac:${normalizeMac(mac)}`;
    // A second revision of the MAC's document (its entry carries the device's revision), so there is an older one.
    await k.update(account._id, d._id, (doc) => { doc.name = 'Renamed'; });
    const current = await waitFor(async () => { const doc = await state.get(id); return parseInt(doc._rev, 10) >= 2 ? doc : null; }, 15000, 'the entry to follow the rename');
    await waitFor(async () => (a.services.macIndex.lookup(mac) as { entries?: Array<{ rev: string }> }).entries?.[0]?.rev === current.entries[0].rev, 10000, 'instance a to hold it');
    const gen = parseInt(current._rev, 10);
    const older = { ...current, _rev: `${gen - 1}-${'0'.repeat(32)}`, entries: [], account_ids: [] };
    await feedMacDoc(a, older);
    expect(a.services.macIndex.lookup(mac).kind, 'the older revision replaced the entry in memory').to.equal('devices');
    // Kazoo deletes the device: the entry must leave CouchDB and both instances.
    await k.remove(account._id, d._id);
    await waitFor(async () => {
      const doc = await state.get(id).catch(() => null);
      return !doc || !doc.entries.some((e: { device_id: string }) => e.device_id === d._id);
    }, 15000, 'the deleted device to leave the MAC index');
    for (const srv of [a, b]) await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'none', 10000, `instance ${srv.url} to forget it`);
  });
  it('removes a moved device from its old MAC when the state feed brought its new MAC (another instance\'s write) before the move was read', async () => {
    // Under load (CI, the sweep test above): one instance reads Kazoo's move and writes the device
    // under its new MAC; the other gets that document from the state feed before it reads the move
    // itself. Replayed on both instances here, so neither knows only the old MAC.
    const { account, mac, d } = await servedByBoth();
    // Both have read the account up to now: no later re-read of the device's creation puts its old
    // MAC back as the only one they know.
    const { last_seq: now } = await k.server.use(k.accountDbName(account._id)).changes({ since: 'now' } as never);
    for (const srv of [a, b]) {
      const index = srv.services.macIndex as unknown as { checkpoints: Map<string, { seq: string }> };
      await waitFor(async () => index.checkpoints.get(account._id)?.seq === String(now), 10000, `instance ${srv.url} to have read the account`);
    }
    const movedTo = newMac('805ec0');
    const movedId = `mac:${normalizeMac(movedTo)}`;
    const entry = (a.services.macIndex.lookup(mac) as { entries: unknown[] }).entries[0];
    const written = { _id: movedId, _rev: `1-${'0'.repeat(32)}`, pvt_type: 'mac_index', mac: normalizeMac(movedTo), entries: [entry], account_ids: [account._id] };
    for (const srv of [a, b]) await feedMacDoc(srv, written);
    await k.update(account._id, d._id, (doc) => { doc.mac_address = movedTo; });
    const state = couch().use<any>(`${cfg.dbPrefix}${cfg.stateDb}`);
    await waitFor(async () => {
      const [oldDoc, newDoc] = await Promise.all([state.get(`mac:${normalizeMac(mac)}`).catch(() => null), state.get(movedId).catch(() => null)]);
      const names = (doc: { entries: Array<{ device_id: string }> } | null) => !!doc?.entries.some((e) => e.device_id === d._id);
      return !names(oldDoc) && names(newDoc);
    }, 15000, 'the device under its new MAC only, in CouchDB');
    for (const srv of [a, b]) {
      await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'none' && srv.services.macIndex.lookup(movedTo).kind === 'devices',
        10000, `instance ${srv.url} to hold the device under its new MAC only`);
    }
  });
});

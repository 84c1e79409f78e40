// `npm run setup -- --backup DIR` and `--restore DIR`: every document of our two databases (design
// docs included, without _rev) to JSON files and back; a restore is idempotent, brings changed
// documents back to the backup's content, and a restore into empty databases serves the same config.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../server/server.js';
import { couch, freshPrefix, runEnv, startTestServer } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { http, runTs, waitFor } from './support.js';

const PASS = 'backup-url-pass-5e6f7a';

describe('backup and restore (setup --backup / --restore)', function () {
  this.timeout(120000);
  let src: RunningServer;
  let dir: string;
  let kazooPrefix: string;
  const env = (dbPrefix: string) => ({ COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: dbPrefix, KAZOO_DB_PREFIX: kazooPrefix });
  let path: string;
  let served: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kp-backup-'));
    kazooPrefix = freshPrefix();
    src = await startTestServer({ kazooDbPrefix: kazooPrefix, indexIntervalMs: 200 } as never);
    const k = new KazooFixture(kazooPrefix);
    const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
    const mac = newMac('805ec0');
    await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    path = `/prov/yealink/${mac}.cfg?pass=${PASS}`;
    served = (await waitFor(async () => { const r = await http(`${src.url}${path}`); return r.status === 200 ? r : null; }, 10000, 'config')).text;
    // Sightings (seen:/unknown:) and the fetch history (fetched:/body:) reach CouchDB in batches, a
    // second later: write them now, so the backup holds them and none arrives after it.
    await src.services.sightings.flush();
    await src.services.fetchHistory.flush();
  });
  after(async () => {
    await src?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every document of both databases, design docs included, without _rev', async () => {
    const res = await runTs('setup.ts', ['--backup', dir], env(src.app.config.dbPrefix));
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/backup catalog \(.*brand_provisioner\): \d+ documents/);
    for (const role of ['catalog', 'state'] as const) {
      const file = join(dir, `${role}.json`);
      expect(statSync(file).mode & 0o077, 'not readable by others: the state holds credentials').to.equal(0);
      const parsed = JSON.parse(readFileSync(file, 'utf8'));
      expect(parsed).to.include({ format: 'kazoo-provision-backup', role });
      const db = couch().use(role === 'catalog' ? src.app.names.catalog : src.app.names.state);
      const all = await db.list();
      expect(parsed.docs.map((d: { _id: string }) => d._id).sort()).to.deep.equal(all.rows.map((r) => r.id).sort());
      expect(parsed.docs.some((d: { _id: string }) => d._id.startsWith('_design/'))).to.equal(true);
      expect(parsed.docs.every((d: Record<string, unknown>) => !('_rev' in d))).to.equal(true);
    }
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(state.docs.some((d: { _id: string }) => d._id.startsWith('mac:'))).to.equal(true);
  });

  it('restores into empty databases, idempotently, and the restored databases serve the same config', async () => {
    const target = freshPrefix();
    const first = await runTs('setup.ts', ['--restore', dir], env(target));
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/restore catalog \(.*\): [1-9]\d* created, 0 updated, 0 unchanged/);
    expect(first.stdout).to.match(/restore state \(.*\): [1-9]\d* created, 0 updated, 0 unchanged/);

    // Changed since the backup: a restore puts the backup's content back.
    const catalog = couch().use<any>(`${target}brand_provisioner`);
    const tpl = await catalog.get('ui/yealink/t4x/t46s');
    await catalog.insert({ ...tpl, name: 'changed after the backup' });
    const again = await runTs('setup.ts', ['--restore', dir], env(target));
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/restore catalog \(.*\): 0 created, 1 updated, [1-9]\d* unchanged/);
    expect(again.stdout).to.match(/restore state \(.*\): 0 created, 0 updated, [1-9]\d* unchanged/);
    expect((await catalog.get('ui/yealink/t4x/t46s')).name).to.equal(tpl.name);

    const restored = await startTestServer({ dbPrefix: target, kazooDbPrefix: kazooPrefix, indexIntervalMs: 200 } as never);
    try {
      // The MAC index comes back from the backup (no re-sweep needed to know the phone).
      expect(restored.services.macIndex.size()).to.be.at.least(1);
      const r = await waitFor(async () => { const x = await http(`${restored.url}${path}`); return x.status === 200 ? x : null; }, 10000, 'restored config');
      expect(r.text).to.equal(served);
    } finally {
      await restored.close();
    }
  });

  it('refuses a directory that holds no backup, writing nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kp-nobackup-'));
    try {
      const res = await runTs('setup.ts', ['--restore', empty], env(freshPrefix()));
      expect(res.code).to.equal(1);
      expect(res.stderr).to.match(/catalog\.json: missing/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

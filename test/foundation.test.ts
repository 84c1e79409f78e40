import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bootstrap } from '../server/bootstrap.js';
import { createContext } from '../server/context.js';
import { freePort } from '../server/couch/embedded.js';
import { couch, runEnv, startTestServer, testConfig, testLog } from './harness.js';
import { http, killNpmStarts, npmStart, runTs, waitFor, type NpmStart } from './support.js';

const FIXTURE_SEED = fileURLToPath(new URL('./fixtures/seed/', import.meta.url));

describe('foundation', () => {
  after(killNpmStarts);

  it('comes up healthy on empty databases', async () => {
    const srv = await startTestServer();
    try {
      const res = await http(`${srv.url}/healthz`);
      expect(res.status).to.equal(200);
      expect(res.json).to.deep.equal({ status: 'ok', couchdb: 'up', version: srv.app.version });
    } finally {
      await srv.close();
    }
  });

  it('bootstraps idempotently: the second run writes nothing', async () => {
    const cfg = testConfig();
    const app = createContext(cfg, runEnv().couchUrl, runEnv().couchUrl, testLog);
    const first = await bootstrap(app, { seedDir: FIXTURE_SEED });
    expect(Object.values(first.databases)).to.deep.equal(['created', 'created']);
    expect(first.catalog.created).to.have.members(['profile/acme', 'ui/acme/phones/p100']);
    const seqBefore = [(await app.catalogDb.info()).update_seq, (await app.stateDb.info()).update_seq];
    const second = await bootstrap(app, { seedDir: FIXTURE_SEED });
    expect(Object.values(second.databases)).to.deep.equal(['exists', 'exists']);
    expect(Object.values(second.designDocs)).to.deep.equal(['unchanged', 'unchanged']);
    expect(second.catalog.created).to.be.empty;
    expect(second.catalog.updated).to.be.empty;
    expect(second.treeChanged).to.equal(false);
    const seqAfter = [(await app.catalogDb.info()).update_seq, (await app.stateDb.info()).update_seq];
    expect(seqAfter).to.deep.equal(seqBefore);
  });

  it("keeps a template an operator changed, unless --force-templates", async () => {
    const app = createContext(testConfig(), runEnv().couchUrl, runEnv().couchUrl, testLog);
    await bootstrap(app, { seedDir: FIXTURE_SEED });
    const doc = await app.catalogDb.get('ui/acme/phones/p100');
    await app.catalogDb.insert({ ...doc, cfg_base: { 'operator.setting': { value: 'mine' } } });
    const kept = await bootstrap(app, { seedDir: FIXTURE_SEED });
    expect(kept.catalog.kept).to.deep.equal(['ui/acme/phones/p100']);
    expect((await app.catalogDb.get('ui/acme/phones/p100') as any).cfg_base).to.deep.equal({ 'operator.setting': { value: 'mine' } });
    const forced = await bootstrap(app, { seedDir: FIXTURE_SEED, forceTemplates: true });
    expect(forced.catalog.updated).to.deep.equal(['ui/acme/phones/p100']);
    expect((await app.catalogDb.get('ui/acme/phones/p100') as any).cfg_base).to.equal(undefined);
  });

  it('keeps its data across a restart', async () => {
    const prefix = testConfig().dbPrefix;
    const first = await startTestServer({ dbPrefix: prefix });
    await first.app.stateDb.insert({ _id: 'restart-marker', pvt_type: 'test' });
    await first.close();
    const second = await startTestServer({ dbPrefix: prefix });
    try {
      const doc = await second.app.stateDb.get('restart-marker');
      expect(doc.pvt_type).to.equal('test');
    } finally {
      await second.close();
    }
  });

  it('rejects a bad seed document before touching CouchDB, naming the file and field', async () => {
    const app = createContext(testConfig(), runEnv().couchUrl, runEnv().couchUrl, testLog);
    const bad = mkdtempSync(join(tmpdir(), 'kp-seed-'));
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(bad, 'acme'));
    writeFileSync(join(bad, 'acme', 'x.json'), JSON.stringify({ _id: 'ui/acme/f/x', pvt_type: 'provisioner',
      pvt_generator: 'eval', endpoint_brand: 'acme', endpoint_family: 'f', endpoint_model: 'x' }));
    let message = '';
    try { await bootstrap(app, { seedDir: bad }); } catch (err) { message = (err as Error).message; }
    expect(message).to.match(/acme\/x\.json: \/pvt_generator must be one of "json2xml", "json2plain"/);
    expect(await couch().db.list()).to.not.include(app.names.catalog);
  });

  it('`setup --demo` writes a Kazoo-shaped tenant, and a second run changes nothing', async () => {
    const prefix = testConfig().dbPrefix;
    const env = { COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: prefix, KAZOO_DB_PREFIX: prefix };
    const first = await runTs('setup.ts', ['--demo'], env);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/database .*brand_provisioner: created/);
    const server = couch();
    const account = await server.use<any>(`${prefix}accounts`).get('de00000000000000000000000000a001');
    expect(account).to.include({ pvt_type: 'account', realm: 'demo.sip.example.com' });
    // The account database is Kazoo's slash-named one, reached URL-encoded on the wire.
    const device = await server.use<any>(`${prefix}account/de/00/000000000000000000000000a001`).get('de00000000000000000000000000c001');
    expect(device).to.include({ pvt_type: 'device', device_type: 'sip_device', mac_address: '805ec0a1b2c3', owner_id: 'de00000000000000000000000000b001' });
    expect(device.sip).to.include({ username: 'user_anna1001' });
    expect(device.sip.password).to.be.a('string').with.length.above(8);
    expect(device.provision).to.include({ endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't46s' });
    expect(device.provision.combo_keys['1']).to.deep.equal({ type: 'presence', value: 'de00000000000000000000000000b002' });
    const accountInDb = await server.use<any>(`${prefix}account/de/00/000000000000000000000000a001`).get('de00000000000000000000000000a001');
    expect(accountInDb.provision).to.include({ provision_enabled: true });
    expect(accountInDb.provision.urlpass).to.be.a('string');
    const users = await server.use<any>(`${prefix}account/de/00/000000000000000000000000a001`).list({ include_docs: true });
    expect(users.rows.filter((r) => r.doc.pvt_type === 'user')).to.have.length(2);
    const second = await runTs('setup.ts', ['--demo'], env);
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.not.match(/: (created|updated)$/m);
    expect(second.stdout).to.match(/catalog: 0 created, 0 updated/);
  });

  it('`npm start` on an empty data dir answers /healthz, reuses its data on restart, and stops cleanly', async function () {
    this.timeout(120000);
    const dataDir = mkdtempSync(join(tmpdir(), 'kp-start-'));
    const started: NpmStart[] = [];
    try {
      const first = await npmStart(dataDir);
      started.push(first);
      expect(first.out()).to.include(`monster.config.api.provisioner = 'http://127.0.0.1:${first.port}/api/'`);
      const couchUrl = /"couchdb":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(first.out())![1];
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8');
      expect(await first.stop()).to.equal(0);
      // The embedded CouchDB went down with it: nothing answers on its port any more.
      await waitFor(async () => { try { await fetch(couchUrl); return false; } catch { return true; } }, 5000, 'embedded CouchDB to stop');
      const second = await npmStart(dataDir);
      started.push(second);
      expect(second.out()).to.match(/database brand_provisioner: exists/);
      expect(readFileSync(join(dataDir, 'admin-token'), 'utf8')).to.equal(token);
      expect(await second.stop()).to.equal(0);
    } finally {
      // A failed or timed-out run must not leave a server (or its database child) behind.
      for (const s of started) s.kill();
    }
  });
});

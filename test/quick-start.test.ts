// The README's quick start in the order it is written: `npm start`, then `npm run setup -- --demo`
// beside it (on the same data directory, whose embedded database the server holds), then a phone's
// fetch of the demo Yealink's file.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEmbeddedCouch } from '../server/couch/embedded.js';
import { RUNNING_FILE } from '../server/couch/running-info.js';
import { http, killNpmStarts, npmStart, runTs, waitFor, type NpmStart } from './support.js';

describe('quick start (README order, embedded CouchDB)', function () {
  this.timeout(120000);
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-quick-'));
  let server: NpmStart;

  before(async () => {
    // Readable lines, as a terminal gets them (auto picks these on a TTY; tests have a pipe).
    server = await npmStart(dataDir, { LOG_FORMAT: 'pretty' });
  });
  after(killNpmStarts);

  it('`npm run setup -- --demo` while `npm start` runs uses its database, and the demo phone gets its file', async () => {
    const note = join(dataDir, RUNNING_FILE);
    expect(statSync(note).mode & 0o777).to.equal(0o600);
    const setup = await runTs('setup.ts', ['--demo'], { DATA_DIR: dataDir });
    expect(setup.code, setup.stderr).to.equal(0);
    expect(setup.stdout).to.match(/database brand_provisioner: exists/);
    expect(setup.stdout).to.match(/account\/de\/00\/000000000000000000000000a001/);
    // pouchdb-server has no _db_updates, so no _global_changes either: skipped without a fuss.
    expect(setup.stdout).to.match(/database _global_changes .*: skipped/);
    expect(setup.stderr).to.equal('');
    // Polling the phone URL itself until the index has the demo device would count each 404 as a
    // probe: on a loaded machine the probe limit (10 a minute) banned the test's address before the
    // index caught up (CI saw 404 for 30 s). So wait through the admin API, then fetch once, as a phone would.
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    await waitFor(async () => (await http(`http://127.0.0.1:${server.port}/api/devices/search/805ec0a1b2c3`,
      { headers: { 'X-Auth-Token': token } })).status === 200, 30000, 'the demo Yealink in the MAC index');
    const res = await http(`http://127.0.0.1:${server.port}/prov/yealink/805ec0a1b2c3.cfg?pass=demo-url-password-change-me`);
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    expect(res.text).to.match(/^#!version:1\.0\.0\.1/);
    expect(res.text).to.include('account.1.user_name = user_anna1001');
  });

  it('logs readable lines with LOG_FORMAT=pretty, secrets still censored', () => {
    const out = server.out();
    expect(out).to.match(/^\d\d:\d\d:\d\d\.\d{3} INFO  embedded CouchDB started  couchdb=http:\/\/127\.0\.0\.1:\d+ data_dir=\S+kp-quick-\S+ credentials=\S+couchdb-credentials$/m);
    expect(out).to.match(/^\d\d:\d\d:\d\d\.\d{3} INFO  database brand_provisioner: created$/m);
    expect(out).to.not.match(/^\{/m);
  });

  it('a second `npm start` on the same data directory says in one line that one already runs', async () => {
    const second = await runTs('server/main.ts', [], { DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1' });
    expect(second.code).to.equal(1);
    expect(second.stderr.trim().split('\n')).to.have.length(1);
    expect(second.stderr).to.match(new RegExp(`already runs on the data directory .*; stop it, or set DATA_DIR`));
  });

  it('a data directory another process holds gets one line naming it, never a stack trace', async () => {
    const heldDir = mkdtempSync(join(tmpdir(), 'kp-held-'));
    const holder = await startEmbeddedCouch(heldDir);
    try {
      const setup = await runTs('setup.ts', [], { DATA_DIR: heldDir });
      expect(setup.code).to.equal(1);
      const lines = setup.stderr.trim().split('\n');
      expect(lines, setup.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^setup failed: the data directory .*kp-held-\S+ is held by pid \d+ \(.*embedded-child\.cjs.*\); stop it .*, or set DATA_DIR to another directory$/);
    } finally {
      await holder.stop();
    }
  });

  it('a note left by a server that is gone is ignored, and `npm start` removes its own on exit', async () => {
    const note = join(dataDir, RUNNING_FILE);
    expect(await server.stop()).to.equal(0);
    expect(existsSync(note)).to.equal(false);
    // As if killed outright: a pid that no longer exists.
    writeFileSync(note, JSON.stringify({ pid: 2 ** 22 + 1, port: 1 }) + '\n', { mode: 0o600 });
    const setup = await runTs('setup.ts', [], { DATA_DIR: dataDir });
    expect(setup.code, setup.stderr).to.equal(0);
    expect(setup.stdout).to.match(/catalog: 0 created/);
    expect(existsSync(note)).to.equal(false);
  });
});

// The embedded CouchDB is not open to other local users (issue 16, point 6): it answers only with
// the credentials generated into the data directory (0600), the data directory is 0700, and a data
// directory from before (no credentials, 0755) keeps its data and is tightened on the next start.
import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nano from 'nano';
import { CREDENTIALS_FILE, startEmbeddedCouch, type EmbeddedCouch } from '../server/couch/embedded.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });

describe('the embedded CouchDB', function () {
  this.timeout(60000);
  let dir: string;
  let couch: EmbeddedCouch | null = null;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'kp-embedded-')); });
  afterEach(async () => {
    await couch?.stop();
    couch = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers only requests with its generated credentials, kept 0600 in a 0700 data directory', async () => {
    chmodSync(dir, 0o755);
    couch = await startEmbeddedCouch(dir);
    expect(modeOf(dir)).to.equal(0o700);
    expect(modeOf(join(dir, 'couchdb'))).to.equal(0o700);
    const credsPath = join(dir, CREDENTIALS_FILE);
    expect(modeOf(credsPath)).to.equal(0o600);
    const { user, password } = JSON.parse(readFileSync(credsPath, 'utf8'));
    expect(password).to.have.length.of.at.least(32);
    expect(couch.label).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);

    for (const headers of [{}, basic(`${user}:wrong`), basic(`admin:${password}`), { authorization: 'Basic' }]) {
      const res = await fetch(`${couch.label}/_all_dbs`, { headers });
      expect(res.status).to.equal(401);
      expect(await res.text()).to.not.include(password);
    }
    // Nor can anyone make themselves an admin or create a database.
    expect((await fetch(`${couch.label}/_config/admins/eve`, { method: 'PUT', body: '"pw"' })).status).to.equal(401);
    expect((await fetch(`${couch.label}/stolen`, { method: 'PUT' })).status).to.equal(401);
    const ok = await fetch(`${couch.label}/_all_dbs`, { headers: basic(`${user}:${password}`) });
    expect(ok.status).to.equal(200);
    // The URL it hands out carries them: nano works with it as it is.
    await nano(couch.url).db.create('probe');
    expect(await nano(couch.url).db.list()).to.include('probe');
  });

  it('indexes views as CouchDB would (map, _count, a custom reduce), with design-document code kept out of the server process', async () => {
    couch = await startEmbeddedCouch(dir);
    const db = nano(couch.url).use<any>('views');
    await nano(couch.url).db.create('views');
    await db.insert({ _id: '_design/t', views: {
      by_type: { map: 'function (doc) { if (doc.type) emit(doc.type, doc.n); }', reduce: '_count' },
      total: { map: 'function (doc) { if (doc.n) emit(null, doc.n); }', reduce: 'function (keys, values) { return sum(values); }' },
      // What a design document could reach: nothing of ours (no process, no require, no host Function).
      reach: { map: "function (doc) { emit([typeof process, typeof require, (function () { return typeof this; }).constructor('return typeof process')()], null); }" },
    } });
    await db.bulk({ docs: [{ type: 'a', n: 1 }, { type: 'a', n: 2 }, { type: 'b', n: 4 }] });
    expect((await db.view('t', 'by_type', { group: true })).rows).to.deep.equal([{ key: 'a', value: 2 }, { key: 'b', value: 1 }]);
    expect((await db.view('t', 'by_type', { key: 'b', reduce: false })).rows.map((r) => r.value)).to.deep.equal([4]);
    expect((await db.view('t', 'total')).rows[0].value).to.equal(7);
    await db.insert({ type: 'c', n: 8 });
    expect((await db.view('t', 'total')).rows[0].value, 'a later document is indexed too').to.equal(15);
    const reach = (await db.view('t', 'reach', { limit: 1 })).rows[0].key;
    expect(reach).to.deep.equal(['undefined', 'undefined', 'undefined']);
  });

  it('keeps serving a data directory made before credentials existed, with new credentials and tightened modes', async () => {
    couch = await startEmbeddedCouch(dir);
    await nano(couch.url).db.create('kept');
    await nano(couch.url).use<any>('kept').insert({ _id: 'doc', value: 42 });
    await couch.stop();
    couch = null;
    // As an older version left it: no credentials file, everything readable by all.
    unlinkSync(join(dir, CREDENTIALS_FILE));
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'couchdb'), 0o755);
    couch = await startEmbeddedCouch(dir);
    expect(modeOf(dir)).to.equal(0o700);
    expect(modeOf(join(dir, 'couchdb'))).to.equal(0o700);
    expect(modeOf(join(dir, CREDENTIALS_FILE))).to.equal(0o600);
    expect((await nano(couch.url).use<any>('kept').get('doc')).value).to.equal(42);
    expect((await fetch(`${couch.label}/kept/doc`)).status).to.equal(401);
  });
});

// Ids from requests never change the path of a CouchDB request (issue 16, point 1). Every route
// with a parameter — enumerated from the routers themselves, so a new route is walked as soon as it
// exists — is sent the traversals an attacker used (`x_local/../../<db>/_all_docs`, `_design/..`,
// encoded dots, endpoint names) as the super-admin and as a plain user of another tenant: each
// answers 4xx, no answer carries another tenant's secret, and nothing is deleted.
import { expect } from 'chai';
import { routers } from '../server/app.js';
import { PHONE_ROUTE } from '../server/phones/phone-http.js';
import { couchDbName, couchDocId, guardServer } from '../server/couch/safe-path.js';
import { accountDbOf } from '../server/kazoo/docs.js';
import { couch } from './harness.js';
import { newMac } from './fixtures/kazoo.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { waitFor } from './support.js';
import { raw, routesOf } from './raw-http.js';

describe('ids from requests cannot change a CouchDB request path', function () {
  this.timeout(180000);
  let w: World;
  let victimDevice: { _id: string; _rev?: string; sip: { username: string; password: string } };
  let mine: { _id: string };
  let mac: string;
  const victimUrlpass = 'victim-url-pass-7Hq2';

  before(async () => {
    w = await startWorld();
    await w.kazoo.update(w.other, w.other, (doc) => { doc.provision = { urlpass: victimUrlpass }; });
    victimDevice = await w.kazoo.device(w.other, { name: 'Victim desk', mac: newMac(), brand: 'yealink', family: 't4x', model: 't46s' });
    victimDevice._rev = (await couch().use<any>(w.prefix + accountDbOf(w.other)).get(victimDevice._id))._rev;
    mac = newMac();
    mine = await w.kazoo.device(w.account, { name: 'Attacker desk', mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => w.srv.services.macIndex.lookup(mac).kind === 'devices', 10000, 'index');
    // The victim's per-device provisioning credentials exist in the state database.
    expect((await w.call('GET', `accounts/${w.other}/devices/${victimDevice._id}/credentials`, w.tokens.superadmin)).status).to.equal(200);
  });
  after(async () => { await w.close(); });

  it('the CouchDB client layer refuses names and ids that are not one path segment, and encodes those nano would not', async () => {
    for (const bad of ['..', '.', '_all_docs', '_changes', '_design/..', '_local/.', '_security', '', '_design/']) {
      expect(() => couchDocId(bad), bad).to.throw(/not a valid CouchDB document id/);
    }
    for (const bad of ['..', 'a/../b', '_users', '_global_changes/..', '_global_changesx', 'A', 'x%2e', 'x?y', '']) {
      expect(() => couchDbName(bad), bad).to.throw(/not a valid CouchDB database name/);
    }
    // The one system database setup creates (Apache CouchDB's _db_updates needs it), by its exact name only.
    expect(couchDbName('_global_changes')).to.equal('_global_changes');
    // nano leaves ids that contain `_local` unencoded: here they are encoded, so they stay one segment.
    expect(couchDocId('x_local/../../y/_all_docs')).to.equal('x_local%2F..%2F..%2Fy%2F_all_docs');
    expect(couchDocId('_design/state')).to.equal('_design/state');
    expect(couchDocId('_local/a/b')).to.equal('_local/a%2Fb');
    expect(couchDocId('ui/yealink/t4x/t46s')).to.equal('ui/yealink/t4x/t46s');

    // Against CouchDB itself: a legitimate id containing `_local` is written and read back as one
    // document, and the traversal reads nothing but "not found".
    const server = guardServer(couch());
    await server.db.create(w.prefix + 'probe');
    const db = server.use<any>(w.prefix + 'probe');
    const id = 'ui/yealink/x_local/t46s';
    const { rev } = await db.insert({ _id: id, probe: true });
    expect((await db.get(id)).probe).to.equal(true);
    await db.destroy(id, rev);
    const traversal = `x_local/../../${w.prefix}accounts/_all_docs`;
    const err = await db.get(traversal).then(() => null, (e: { statusCode?: number }) => e);
    expect(err?.statusCode).to.equal(404);
    expect(() => server.use('..')).to.throw(/not a valid CouchDB database name/);
    await server.db.destroy(w.prefix + 'probe');
  });

  it('every route with an id parameter answers 4xx to every traversal, leaks nothing and deletes nothing', async () => {
    const stateDb = `${w.prefix}provision_state`;
    const victimDb = w.prefix + accountDbOf(w.other);
    const enc = encodeURIComponent;
    const targets = [`${victimDb}/_all_docs?include_docs=true`, `${stateDb}/_all_docs?include_docs=true`,
      `${w.prefix}accounts/_all_docs?include_docs=true`, `${victimDb}/${victimDevice._id}`];
    const payloads = [
      ...targets.flatMap((t) => [
        enc(`x_local/../../${t}`), enc(`_local/../../${t}`), enc(`_design/../../${t}`), enc(`ui/x_local/../../../../${t}`),
        `x_local${enc('/')}%2e%2e${enc('/')}%2e%2e${enc('/')}${enc(t)}`, enc(`x_local/../../${t}`).replace(/%2F/g, '%252F'),
      ]),
      '..', '%2e%2e', '.', '_all_docs', enc('_all_docs?include_docs=true'), enc('_design/state'), '%ff', '%c0%ae%c0%ae', enc('../../_all_dbs'),
    ];
    // A valid value for every parameter name: a route with a new name fails here until one is added.
    const valid: Record<string, string> = {
      accountId: w.account, deviceId: mine._id, mac, id: enc('ui/yealink/t4x/t46s'), brand: 'yealink', family: 't4x', model: 't46s',
      file: `${mac}.cfg`, ip: '127.0.0.9', hours: '1', codeId: 'a'.repeat(64), activationId: 'b'.repeat(64), revision: '000000000000001:abcdef',
    };
    const routes = [PHONE_ROUTE, ...routesOf(routers(w.srv.services))].filter((r) => r.params.length);
    expect(routes.length).to.be.greaterThan(25);
    const unknown = [...new Set(routes.flatMap((r) => r.params))].filter((p) => !(p in valid));
    expect(unknown, 'parameters without a valid value in this test').to.deep.equal([]);
    const secrets = [victimDevice.sip.password, victimUrlpass];
    const credentials = (await w.call('GET', `accounts/${w.other}/devices/${victimDevice._id}/credentials`, w.tokens.superadmin)).json.data;
    secrets.push(credentials.password);

    let sent = 0;
    const failures: string[] = [];
    for (const route of routes) {
      for (const method of route.methods) {
        for (const param of route.params) {
          for (const payload of payloads) {
            const path = route.path.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === param ? payload : valid[name]));
            const withRev = route.path.includes(':id') || route.path.includes(':brand') ? `${path}?rev=${victimDevice._rev}` : path;
            for (const token of [w.tokens.superadmin, w.tokens.user]) {
              const res = await raw(w.srv.url, method, withRev, { token, body: method === 'GET' || method === 'DELETE' ? undefined : '{"data":{}}' });
              sent += 1;
              if (res.status < 400 || res.status >= 500) failures.push(`${method} ${withRev} → ${res.status} ${res.text.slice(0, 120)}`);
              const leaked = secrets.find((s) => res.text.includes(s));
              if (leaked) failures.push(`${method} ${withRev} leaked a secret of another tenant`);
            }
          }
        }
      }
    }
    expect(failures.slice(0, 20), `${failures.length} of ${sent} requests`).to.deep.equal([]);
    expect(sent).to.be.greaterThan(1000);
    // Nothing was deleted: the victim's device and the catalog's template are where they were.
    const device = await couch().use<any>(victimDb).get(victimDevice._id);
    expect(device._rev).to.equal(victimDevice._rev);
    expect((await couch().use<any>(`${w.prefix}brand_provisioner`).get('ui/yealink/t4x/t46s'))._id).to.equal('ui/yealink/t4x/t46s');
  });
});

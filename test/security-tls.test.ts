import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '../server/server.js';
import { macsOfSubject } from '../server/security/client-cert.js';
import { startTestServer } from './harness.js';
import { KazooFixture, newMac } from './fixtures/kazoo.js';
import { secret } from './fixtures/secrets.js';
import { http, waitFor } from './support.js';
import { phoneGet } from './security-client.js';
import { ADMIN_TOKEN } from './kazoo-tenants.js';

/** A CA standing in for a vendor's factory CA, a server certificate, and phone certificates. */
function pki() {
  const dir = mkdtempSync(join(tmpdir(), 'kp-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Factory Test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  const phone = (name: string, subj: string, ca = 'ca') => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2');
    return { cert: readFileSync(join(dir, `${name}.pem`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=Rogue CA');
  return { dir, phone, ca: readFileSync(join(dir, 'ca.pem')) };
}

describe('phone security over TLS (mutual TLS, Basic)', function () {
  this.timeout(60000);
  let srv: RunningServer;
  let k: KazooFixture;
  let p: ReturnType<typeof pki>;
  before(async () => {
    p = pki();
    srv = await startTestServer({ indexIntervalMs: 200, httpsPort: 0 as never, tlsCert: join(p.dir, 'server.pem'), tlsKey: join(p.dir, 'server.key'),
      tlsClientCa: join(p.dir, 'ca.pem') } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  it('reads the MAC where vendors put it: CN (Yealink, Polycom) or S (Cisco)', () => {
    expect(macsOfSubject({ CN: '805ec0a1b2c3' })).to.deep.equal(['805ec0a1b2c3']);
    expect(macsOfSubject({ CN: 'SEP0004F2A1B2C3' })).to.deep.equal(['0004f2a1b2c3']);
    expect(macsOfSubject({ CN: 'Yealink T46S 0123456789abcdef' })).to.deep.equal([]);
    expect(macsOfSubject({ CN: 'Polycom 00:04:f2:a1:b2:c3' })).to.deep.equal(['0004f2a1b2c3']);
    expect(macsOfSubject({ OU: 'CP-8841-3PCC', L: 'FCH1234ABCD', ST: 'AC:7E:8A:01:02:03', CN: 'CP-8841-3PCC' })).to.deep.equal(['ac7e8a010203']);
  });

  it('serves a phone whose factory certificate names its MAC, and refuses one naming another', async () => {
    const account = await k.account({ provision: { provision_enabled: true } });
    const mac = newMac('805ec0');
    const cisco = newMac('ac7e8a');
    const device = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await k.device(account._id, { mac: cisco, brand: 'yealink', family: 't4x', model: 't46s' });
    await http(`${srv.url}/api/accounts/${account._id}/provisioning/settings`, { method: 'PUT', headers: { 'x-auth-token': ADMIN_TOKEN },
      json: { data: { require_client_cert: true } } });
    await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'devices' && srv.services.macIndex.lookup(cisco).kind === 'devices', 5000, 'indexed');
    const tls = (c?: { cert: Buffer; key: Buffer }) => ({ tls: { ca: p.ca, ...(c || {}) } });
    const own = p.phone('own', `/CN=${mac}`);
    const other = p.phone('other', `/CN=${newMac('805ec0')}`);
    const ciscoCert = p.phone('cisco', `/OU=CP-8841-3PCC/L=FCH1234ABCD/ST=${cisco.match(/../g)!.join(':').toUpperCase()}/CN=CP-8841-3PCC`);
    const rogue = p.phone('roguephone', `/CN=${mac}`, 'rogue');
    const url = (m: string) => `${srv.httpsUrl}/prov/yealink/${m}.cfg`;
    const ok = await phoneGet(url(mac), tls(own));
    expect(ok.status).to.equal(200);
    expect(ok.text).to.include(device.sip.password);
    expect((await phoneGet(url(cisco), tls(ciscoCert))).status).to.equal(200);
    expect((await phoneGet(url(mac), tls(other))).status).to.equal(404);
    expect((await phoneGet(url(mac), tls(rogue))).status).to.equal(404);
    expect((await phoneGet(url(mac), tls())).status).to.equal(404);
    // Plain HTTP has no certificate at all.
    expect((await phoneGet(`${srv.url}/prov/yealink/${mac}.cfg`)).status).to.equal(404);
  });

  it('accepts Basic auth over TLS and offers it in the challenge', async () => {
    const account = await k.account({ provision: { provision_enabled: true } });
    const mac = newMac('805ec0');
    const device = await k.device(account._id, { mac, brand: 'yealink', family: 't4x', model: 't46s' });
    await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'devices', 5000, 'indexed');
    const url = `${srv.httpsUrl}/prov/yealink/${mac}.cfg`;
    const ua = { 'User-Agent': `Yealink SIP-T46S 66.86.0.15 ${mac}` };
    expect((await phoneGet(url, { tls: { ca: p.ca }, headers: ua })).status).to.equal(200);
    await http(`${srv.url}/api/accounts/${account._id}/provisioning/settings`, { method: 'PUT', headers: { 'x-auth-token': ADMIN_TOKEN },
      json: { data: { first_contact_grace_minutes: 0 } } });
    const challenge = await phoneGet(url, { tls: { ca: p.ca }, headers: ua });
    expect(challenge.status).to.equal(401);
    expect(challenge.challenges.some((c) => c.startsWith('Basic '))).to.equal(true);
    const ids = await k.server.use<any>(k.accountDbName(account._id)).list({ include_docs: true });
    const id = ids.rows.map((r: any) => r.doc).find((d: any) => d.pvt_type === 'device')._id;
    const creds = (await http(`${srv.url}/api/accounts/${account._id}/devices/${id}/credentials`, { headers: { 'x-auth-token': ADMIN_TOKEN } })).json.data;
    secret(creds.password);
    const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const ok = await phoneGet(url, { tls: { ca: p.ca }, headers: { ...ua, Authorization: basic } });
    expect(ok.status).to.equal(200);
    expect(ok.text).to.include(device.sip.password);
    const bad = `Basic ${Buffer.from(`${creds.username}:guess-guess-guess`).toString('base64')}`;
    expect((await phoneGet(url, { tls: { ca: p.ca }, headers: { ...ua, Authorization: bad } })).status).to.equal(401);
  });
});

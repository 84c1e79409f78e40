// Drives SessionTalk in tests: tenants with settings, devices, minting through the API, and the
// provisioning call as SessionCloud makes it. Every secret it hands out is added to `secrets`, so a
// test can check the log never carries one.
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { RunningServer } from '../server/server.js';
import type { KazooFixture } from './fixtures/kazoo.js';
import { http, waitFor } from './support.js';

export interface Tenant { id: string; realm: string; label: string }

/** Everything a test needs to drive one server: a tenant factory, minting, the provisioning call. */
export function sessiontalkDriver(getSrv: () => RunningServer, kz: () => KazooFixture, secrets: Set<string>) {
  const admin = () => getSrv().app.config.adminToken!;
  const api = (method: string, path: string, data?: unknown, token = admin()) =>
    http(`${getSrv().url}/api/accounts/${path}`, { method, headers: { 'x-auth-token': token },
      ...(data === undefined ? {} : { json: { data } }) });
  return {
    api,
    async tenant(settings: Record<string, unknown> = {}): Promise<Tenant> {
      const label = `t${randomBytes(4).toString('hex')}`;
      const acc = await kz().account({ realm: `${label}.sip.example.com` });
      await waitFor(async () => getSrv().services.kazoo.account(acc._id), 5000, 'the account in the directory');
      const res = await api('PUT', `${acc._id}/sessiontalk/settings`, { base_domain: 'sip.example.com', ...settings });
      expect(res.status, res.text).to.equal(200);
      return { id: acc._id, realm: acc.realm, label };
    },
    async device(t: Tenant, input: Record<string, unknown> = {}) {
      const d = await kz().device(t.id, input);
      secrets.add(d.sip.password);
      return d;
    },
    async mint(t: Tenant, deviceId: string, token = admin()) {
      const res = await api('POST', `${t.id}/sessiontalk/codes`, { device_id: deviceId }, token);
      expect(res.status, res.text).to.equal(201);
      secrets.add(res.json.data.code);
      return res.json.data as { id: string; code: string; username: string; payload: string; windows_link?: string;
        qr: { png: string; svg: string }; expires_at: string; device_id: string };
    },
    install() {
      const id = randomUUID().toUpperCase();
      secrets.add(id);
      return id;
    },
    async prov(q: Record<string, string | undefined>, path = '/sessiontalk/provision') {
      const url = new URL(getSrv().url + path);
      for (const [k, v] of Object.entries(q)) if (v !== undefined) url.searchParams.set(k, v);
      return http(url.toString(), { headers: { 'user-agent': 'SessionTalk/6.0.0' } });
    },
    async scan(m: { username: string; code: string }, install: string, reprovision = false) {
      return this.prov({ username: m.username, password: m.code, reprovision: String(reprovision), deviceId: install });
    },
    /** Where the state database is now, to count SessionTalk writes from (other parts write there too). */
    async seq(): Promise<string> {
      return String((await getSrv().app.stateDb.info()).update_seq);
    },
    async writesSince(since: string): Promise<number> {
      const res = await getSrv().app.stateDb.changes({ since });
      return res.results.filter((r) => r.id.startsWith('sessiontalk_')).length;
    },
  };
}

// A small Kazoo world for the Kazoo-facing API tests: a reseller with a sub-account, an unrelated
// account, their admins and users, tokens for each from the fake crossbar, and a server using both.
import type { Config } from '../config.js';
import type { RunningServer } from '../server/server.js';
import { freshPrefix, startTestServer } from './harness.js';
import { KazooFixture } from './fixtures/kazoo.js';
import { FakeCrossbar } from './fake-crossbar.js';
import { http } from './support.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

export interface World {
  srv: RunningServer; crossbar: FakeCrossbar; kazoo: KazooFixture; prefix: string;
  reseller: string; account: string; other: string;
  tokens: { superadmin: string; accountAdmin: string; resellerAdmin: string; user: string; otherAdmin: string;
    apiKey: string; expired: string; unknown: string };
  ids: { accountAdmin: string; user: string };
  call(method: string, path: string, token?: string, json?: unknown): ReturnType<typeof http>;
  close(): Promise<void>;
}

export async function startWorld(overrides: Partial<Config> = {}): Promise<World> {
  const prefix = freshPrefix();
  const kazoo = new KazooFixture(prefix);
  const r = await kazoo.account({ name: 'Reseller' });
  const a = await kazoo.account({ name: 'Customer', tree: [r._id] });
  const o = await kazoo.account({ name: 'Unrelated' });
  const accountAdmin = await kazoo.user(a._id, { first: 'Ada', last: 'Admin', privLevel: 'admin' });
  const user = await kazoo.user(a._id, { first: 'Uma', last: 'User', privLevel: 'user' });
  const resellerAdmin = await kazoo.user(r._id, { first: 'Rex', last: 'Reseller', privLevel: 'admin' });
  const otherAdmin = await kazoo.user(o._id, { first: 'Otto', last: 'Other', privLevel: 'admin' });
  const crossbar = await new FakeCrossbar().start();
  const expired = crossbar.issue({ accountId: a._id, ownerId: accountAdmin._id, expired: true });
  const tokens = {
    superadmin: ADMIN_TOKEN,
    accountAdmin: crossbar.issue({ accountId: a._id, ownerId: accountAdmin._id }),
    resellerAdmin: crossbar.issue({ accountId: r._id, ownerId: resellerAdmin._id }),
    user: crossbar.issue({ accountId: a._id, ownerId: user._id }),
    otherAdmin: crossbar.issue({ accountId: o._id, ownerId: otherAdmin._id }),
    apiKey: crossbar.issue({ accountId: a._id }),
    expired,
    // Shaped like Kazoo's, never issued.
    unknown: 'eyJhbGciOiJSUzI1NiJ9.eyJhY2NvdW50X2lkIjoiMDAwIn0.c2lnbmF0dXJlLW5vdC1pc3N1ZWQ',
  };
  const srv = await startTestServer({ dbPrefix: prefix, kazooDbPrefix: prefix, kazooApiUrl: crossbar.url, adminToken: ADMIN_TOKEN, ...overrides });
  return {
    srv, crossbar, kazoo, prefix, reseller: r._id, account: a._id, other: o._id, tokens,
    ids: { accountAdmin: accountAdmin._id, user: user._id },
    call(method, path, token, json) {
      const headers: Record<string, string> = {};
      if (token) headers['x-auth-token'] = token;
      return http(`${srv.url}/api/${path}`, { method, headers, json });
    },
    async close() {
      await srv.close();
      await crossbar.stop();
    },
  };
}

/** The body crossbar's provisioner_v5 sends with a device push (reference §3.3). */
export function devicePush(name: string) {
  return { create_if_missing: true, generate: true, merge: true,
    data: { brand: 'yealink', family: 't4x', model: 't46s', name,
      settings: { lines: { 0: { basic: { display_name: name, enable: true, enabled: true },
        sip: { username: 'user_abc', password: 'pushed-secret', realm: 'x.sip.example.com' } } } } } };
}

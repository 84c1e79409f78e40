// One Kazoo tenant for the Monster app's browser tests: an account with an admin (and a second one
// whose Kazoo user doc says German), a user, desk phones and a softphone, tokens from the fake
// crossbar (which answers what Monster UI and the app ask Kazoo), our real server, and the stock
// Monster UI served as a web root, whose apps store lists our app by `source_url` and SmartPBX.
import type { RunningServer } from '../../server/server.js';
import { FakeCrossbar } from '../fake-crossbar.js';
import { KazooFixture, newId, newMac } from '../fixtures/kazoo.js';
import { freshPrefix, startTestServer } from '../harness.js';
import { http, waitFor } from '../support.js';
import { crossbarApi, type AppsStore, type StoreApp } from './crossbar-api.js';
import { startPageServer } from './page-server.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';
export const URLPASS = 'url-pass-0123456789';

export interface AppWorld {
  srv: RunningServer; crossbar: FakeCrossbar; kazoo: KazooFixture; page: { url: string; close(): Promise<void> };
  accountId: string; realm: string;
  users: Record<'admin' | 'user' | 'adminDe', { id: string; token: string; doc: Record<string, unknown> }>;
  /** What Kazoo's apps_store lists (a test may install the app by copy instead of source_url). */
  store: AppsStore; phoneprovApp: StoreApp;
  devices: { yealink: { id: string; mac: string }; snom: { id: string; mac: string }; bare: { id: string; mac: string }; soft: { id: string } };
  api(method: string, path: string, json?: unknown, token?: string): ReturnType<typeof http>;
  close(): Promise<void>;
}

export async function startAppWorld(): Promise<AppWorld> {
  const prefix = freshPrefix();
  const kazoo = new KazooFixture(prefix);
  const acc = await kazoo.account({ name: 'Example GmbH', realm: 'example.sip.example.com',
    provision: { provision_enabled: true, urlpass: URLPASS, admin_password: 'phone-admin-secret' } });
  const admin = await kazoo.user(acc._id, { first: 'Ada', last: 'Admin', privLevel: 'admin', presenceId: '100' });
  const user = await kazoo.user(acc._id, { first: 'Uma', last: 'User', privLevel: 'user', presenceId: '101' });
  const adminDe = await kazoo.user(acc._id, { first: 'Dora', last: 'Deutsch', privLevel: 'admin', presenceId: '102' });
  // Monster UI takes the language from the Kazoo user doc (then the account's).
  await kazoo.update(acc._id, adminDe._id, (doc) => { doc.language = 'de-DE'; });
  // Returning users: Monster's first-login walkthrough (myaccount's ui_help flag) is behind them. Its
  // modal leaves jQuery UI's modal count at 1 after login, so every later focus outside a dialog throws.
  for (const u of [admin, user, adminDe]) {
    await kazoo.update(acc._id, u._id, (doc) => { doc.ui_help = { myaccount: { showfirstUseWalkthrough: false } }; });
  }
  const yealink = await kazoo.device(acc._id, { name: 'Reception T46S', mac: newMac('805ec0'), ownerId: user._id,
    brand: 'yealink', family: 't4x', model: 't46s' });
  const snom = await kazoo.device(acc._id, { name: 'Office D785', mac: newMac('000413'), ownerId: admin._id,
    brand: 'snom', family: 'dxxx', model: 'd785' });
  const bare = await kazoo.device(acc._id, { name: 'Meeting room', mac: newMac('805ec0') });
  const soft = await kazoo.device(acc._id, { name: 'Uma mobile', ownerId: user._id, deviceType: 'softphone' });

  const crossbar = await new FakeCrossbar().start();
  const store: AppsStore = { apps: [] };
  crossbar.route = crossbarApi(kazoo, store);
  const srv = await startTestServer({ dbPrefix: prefix, kazooDbPrefix: prefix, kazooApiUrl: crossbar.url, adminToken: ADMIN_TOKEN,
    publicUrl: 'https://prov.example.com' });
  const phoneprovApp: StoreApp = { id: newId(), name: 'phoneprov', allowed_users: 'all', source_url: `${srv.url}/monster-app`,
    api_url: `${crossbar.url}/v2/`, i18n: { 'en-US': { label: 'Phone Provisioning' }, 'de-DE': { label: 'Telefon-Provisionierung' } } };
  // SmartPBX as a Kazoo app store lists it (installed in the tree's src/apps/voip).
  store.apps.push(phoneprovApp, { id: newId(), name: 'voip', allowed_users: 'admins', api_url: `${crossbar.url}/v2/`,
    i18n: { 'en-US': { label: 'Smart PBX' } } });
  const page = await startPageServer({ crossbarUrl: crossbar.url, provisionerUrl: `${srv.url}/api/` });
  const api = (method: string, path: string, json?: unknown, token = ADMIN_TOKEN) =>
    http(`${srv.url}/api/${path}`, { method, headers: { 'x-auth-token': token }, ...(json === undefined ? {} : { json }) });

  await waitFor(async () => srv.services.kazoo.account(acc._id), 10000, 'the account in the directory');
  await waitFor(async () => {
    const res = await api('GET', `accounts/${acc._id}/devices`);
    return res.status === 200 && res.json.data.some((d: { id: string; template_found: boolean }) => d.id === yealink._id && d.template_found);
  }, 15000, 'the devices in the MAC index');
  const st = await api('PUT', `accounts/${acc._id}/sessiontalk/settings`, { data: { base_domain: 'sip.example.com', provider_id: 'exampletel' } });
  if (st.status !== 200) throw new Error(`sessiontalk settings: ${st.text}`);

  return {
    srv, crossbar, kazoo, page, accountId: acc._id, realm: acc.realm, store, phoneprovApp,
    users: {
      adminDe: { id: adminDe._id, token: crossbar.issue({ accountId: acc._id, ownerId: adminDe._id }), doc: { ...adminDe, language: 'de-DE' } },
      admin: { id: admin._id, token: crossbar.issue({ accountId: acc._id, ownerId: admin._id }), doc: admin },
      user: { id: user._id, token: crossbar.issue({ accountId: acc._id, ownerId: user._id }), doc: user },
    },
    devices: {
      yealink: { id: yealink._id, mac: yealink.mac_address as string }, snom: { id: snom._id, mac: snom.mac_address as string },
      bare: { id: bare._id, mac: bare.mac_address as string }, soft: { id: soft._id },
    },
    api,
    async close() {
      await page.close();
      await srv.close();
      await crossbar.stop();
    },
  };
}

/** A phone fetching its file (for "last fetch" and a first-contact lock); best effort. */
export async function phoneFetch(world: AppWorld, deviceId: string, ua: string): Promise<number> {
  return (await phoneFile(world, deviceId, ua)).status;
}

/** The account's URL password as Kazoo holds it now (the Settings tests generate a new one). */
export async function currentUrlpass(world: AppWorld): Promise<string> {
  const account = await world.kazoo.server.use<any>(world.kazoo.accountDbName(world.accountId)).get(world.accountId);
  return account.provision.urlpass;
}

/** The same, with the file's text (status 0 while our server does not list the device yet). */
export async function phoneFile(world: AppWorld, deviceId: string, ua: string): Promise<{ status: number; text: string }> {
  const list = await world.api('GET', `accounts/${world.accountId}/devices`);
  const url = list.json?.data?.find((d: { id: string }) => d.id === deviceId)?.provisioning_url as string | undefined;
  if (!url) return { status: 0, text: '' };
  const local = new URL(url);
  const res = await http(`${world.srv.url}${local.pathname}?pass=${await currentUrlpass(world)}`, { headers: { 'user-agent': ua } });
  // Sightings are written after the answer: wait until the list shows it.
  await waitFor(async () => {
    const again = await world.api('GET', `accounts/${world.accountId}/devices`);
    return again.json?.data?.find((d: { id: string }) => d.id === deviceId)?.last_seen;
  }, 5000, 'the last fetch').catch(() => undefined);
  return { status: res.status, text: res.text };
}

// `setup --demo`: a Kazoo-shaped demo tenant (account, two users, desk phones) in Kazoo's databases.
// Fixed ids and secrets derived from nothing random, so a second run changes nothing.
import type { AppContext } from '../context.js';
import { ensureDb, getOrNull } from '../couch/client.js';
import { sameContent } from '../couch/design-docs.js';
import { accountDbName } from '../couch/names.js';
import { kazooAccountDoc, kazooDeviceDoc, kazooUserDoc } from './docs.js';

export const DEMO = {
  accountId: 'de00000000000000000000000000a001',
  realm: 'demo.sip.example.com',
  urlpass: 'demo-url-password-change-me',
  users: { anna: 'de00000000000000000000000000b001', ben: 'de00000000000000000000000000b002' },
  devices: {
    yealink: { id: 'de00000000000000000000000000c001', mac: '805ec0a1b2c3' },
    snom: { id: 'de00000000000000000000000000c002', mac: '000413a1b2c4' },
  },
};

export function demoDocs(kazooDbPrefix: string) {
  const a = DEMO.accountId;
  const account = kazooAccountDoc({ id: a, name: 'Demo GmbH', realm: DEMO.realm,
    provision: { provision_enabled: true, urlpass: DEMO.urlpass, admin_password: 'demo-phone-admin' } }, kazooDbPrefix);
  const users = [
    kazooUserDoc({ id: DEMO.users.anna, accountId: a, first: 'Anna', last: 'Admin', presenceId: '1001', privLevel: 'admin' }, kazooDbPrefix),
    kazooUserDoc({ id: DEMO.users.ben, accountId: a, first: 'Ben', last: 'User', presenceId: '1002' }, kazooDbPrefix),
  ];
  const devices = [
    kazooDeviceDoc({ id: DEMO.devices.yealink.id, accountId: a, name: 'Anna desk', mac: DEMO.devices.yealink.mac,
      username: 'user_anna1001', password: 'demo-sip-secret-anna', ownerId: DEMO.users.anna,
      brand: 'yealink', family: 't4x', model: 't46s',
      comboKeys: { 0: { type: 'line' }, 1: { type: 'presence', value: DEMO.users.ben }, 2: { type: 'parking', value: 1 },
        3: { type: 'speed_dial', value: { value: '5551234', label: 'Sales' } } } }, kazooDbPrefix),
    kazooDeviceDoc({ id: DEMO.devices.snom.id, accountId: a, name: 'Ben desk', mac: DEMO.devices.snom.mac,
      username: 'user_ben1002', password: 'demo-sip-secret-ben', ownerId: DEMO.users.ben,
      brand: 'snom', family: 'dxxx', model: 'd785',
      featureKeys: { 0: { type: 'presence', value: DEMO.users.anna }, 1: { type: 'speed_dial', value: '5551234' } } }, kazooDbPrefix),
  ];
  return { account, users, devices };
}

async function upsert(db: any, doc: Record<string, unknown>): Promise<'created' | 'updated' | 'unchanged'> {
  const current = await getOrNull<any>(db, doc._id as string);
  if (current && sameContent(current, doc)) return 'unchanged';
  await db.insert(current ? { ...doc, _rev: current._rev } : doc);
  return current ? 'updated' : 'created';
}

export async function createDemoTenant(app: AppContext): Promise<string[]> {
  const server = app.kazooCouch.server;
  const { account, users, devices } = demoDocs(app.config.kazooDbPrefix);
  const accountDb = accountDbName(app.names, DEMO.accountId);
  const lines: string[] = [];
  for (const name of [app.names.kazooAccounts, accountDb]) {
    lines.push(`kazoo database ${name}: ${(await ensureDb(server, name)) ? 'created' : 'exists'}`);
  }
  lines.push(`kazoo ${app.names.kazooAccounts}/${account._id}: ${await upsert(server.use(app.names.kazooAccounts), account)}`);
  const db = server.use(accountDb);
  for (const doc of [account, ...users, ...devices]) {
    lines.push(`kazoo ${accountDb}/${doc._id} (${doc.pvt_type}): ${await upsert(db, doc)}`);
  }
  return lines;
}

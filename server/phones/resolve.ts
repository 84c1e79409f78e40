// From a MAC to everything its files are rendered from: the index entry, then the account, the
// devices and their users, read by key from Kazoo's account database (two requests, no scan). A MAC
// known only from Kazoo's push is rendered from what was pushed, without asking Kazoo's CouchDB: it
// was unreachable, which is why the push was kept.
import { getOrNull } from '../couch/client.js';
import type { KazooAccount, KazooDevice, KazooUser } from '../kazoo/directory.js';
import type { MacEntry } from '../kazoo/mac-index.js';
import { normalizeMac } from '../kazoo/mac.js';
import { pushedDocId, pushedPhoneData, type PushedDoc } from '../kazoo/pushed.js';
import { keyUserIds } from '../render/keys.js';
import type { PhoneData } from '../render/model.js';
import type { Services } from '../services.js';

export type Resolution =
  | { ok: true; data: PhoneData; revs: string }
  | { ok: false; reason: 'unknown_mac' | 'mac_conflict' | 'account_missing' | 'provisioning_disabled' | 'no_enabled_device'; accountId?: string };

function provisioningOff(account: KazooAccount): boolean {
  const prov = (account.provision || {}) as Record<string, unknown>;
  return prov.provision_enabled === false || prov.provision_enabled === 'false' || account.enabled === false;
}

export async function resolvePhone(s: Services, mac: string): Promise<Resolution> {
  const found = s.macIndex.lookup(mac);
  if (found.kind === 'none') return { ok: false, reason: 'unknown_mac' };
  if (found.kind === 'conflict') return { ok: false, reason: 'mac_conflict' };
  const { accountId, entries } = found;
  // The push is newer than anything indexed from Kazoo's documents before they became unreadable.
  const pushed = entries.find((e) => e.pushed);
  if (pushed) return resolvePushed(s, normalizeMac(mac)!, pushed);
  const docs = await s.kazooDocs.get(accountId, [accountId, ...entries.map((e) => e.device_id)]);
  const account = docs.get(accountId) as KazooAccount | undefined;
  if (!account) return { ok: false, reason: 'account_missing', accountId };
  if (provisioningOff(account)) return { ok: false, reason: 'provisioning_disabled', accountId };
  const devices = entries.map((e) => docs.get(e.device_id) as KazooDevice | undefined)
    .filter((d): d is KazooDevice => !!d && d.pvt_type === 'device' && d.enabled !== false);
  if (!devices.length) return { ok: false, reason: 'no_enabled_device', accountId };
  const userIds = new Set<string>(devices.map((d) => d.owner_id).filter(Boolean) as string[]);
  for (const d of devices) for (const id of keyUserIds(d.provision?.combo_keys, d.provision?.feature_keys)) userIds.add(id);
  const users = await s.kazooDocs.get(accountId, [...userIds]) as Map<string, KazooUser>;
  for (const [id, u] of users) if (u.pvt_type !== 'user') users.delete(id);
  const revs = [account._rev, ...devices.map((d) => d._rev), ...[...users.values()].map((u) => u._rev)].join(',');
  return { ok: true, data: { mac, accountId, account, devices, users }, revs };
}

/** What a phone's own files are rendered from: its data and its provisioning credentials (made on first need). */
export async function resolvePhoneFiles(s: Services, mac: string): Promise<Resolution> {
  const resolution = await resolvePhone(s, mac);
  if (resolution.ok) resolution.data.provCredentials = await s.security.credentials.ensure(resolution.data.accountId, mac);
  return resolution;
}

async function resolvePushed(s: Services, mac: string, entry: MacEntry): Promise<Resolution> {
  const accountId = entry.account_id;
  const doc = await getOrNull<PushedDoc>(s.app.stateDb, pushedDocId(accountId, mac));
  // Dropped since the lookup (Kazoo's database readable again): the next request finds Kazoo's entry.
  if (!doc) return { ok: false, reason: 'unknown_mac' };
  // The `accounts` mirror is in memory and outlives Kazoo's CouchDB going away.
  const mirror = s.kazoo.account(accountId);
  if (mirror && provisioningOff(mirror)) return { ok: false, reason: 'provisioning_disabled', accountId };
  const data = pushedPhoneData(doc, mirror, s.catalog.profile(doc.brand || ''));
  if (data.devices[0].enabled === false) return { ok: false, reason: 'no_enabled_device', accountId };
  return { ok: true, data, revs: [mirror?._rev, entry.rev].join(',') };
}

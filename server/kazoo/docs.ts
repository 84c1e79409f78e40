// Builders of Kazoo-shaped CouchDB documents (the shapes in reference/monster-ui-and-kazoo.md §3.5).
// Used by `setup --demo` and by the tests' fixtures, so both write what Kazoo writes.
export interface KazooAccountInput {
  id: string; name: string; realm: string; timezone?: string; language?: string; tree?: string[];
  provision?: Record<string, unknown>; enabled?: boolean;
  /** Kazoo's `pvt_reseller_id`: the reseller the account is billed and served by. */
  reseller?: string;
}
export interface KazooUserInput {
  id: string; accountId: string; first: string; last: string; username?: string; presenceId?: string;
  privLevel?: 'admin' | 'user'; timezone?: string; language?: string;
}
export interface KazooDeviceInput {
  id: string; accountId: string; name: string; mac?: string; username: string; password: string; realm?: string;
  ownerId?: string; brand?: string; family?: string; model?: string; deviceType?: string;
  featureKeys?: Record<string, unknown>; comboKeys?: Record<string, unknown>; enabled?: boolean;
  timezone?: string; language?: string; codecs?: string[]; expire?: number;
}

const STAMP = 63900000000; // gregorian seconds, as Kazoo's pvt_created; fixed so fixtures are deterministic

export function accountDbOf(id: string): string {
  return `account/${id.slice(0, 2)}/${id.slice(2, 4)}/${id.slice(4)}`;
}

export function kazooAccountDoc(a: KazooAccountInput, dbPrefix = ''): Record<string, unknown> {
  return {
    _id: a.id, name: a.name, realm: a.realm, timezone: a.timezone || 'Europe/Berlin', language: a.language || 'de-de',
    enabled: a.enabled ?? true, pvt_type: 'account', pvt_tree: a.tree || [], pvt_account_id: a.id,
    ...(a.reseller ? { pvt_reseller_id: a.reseller } : {}),
    pvt_account_db: dbPrefix + accountDbOf(a.id), pvt_created: STAMP, pvt_modified: STAMP, pvt_vsn: '1',
    pvt_enabled: a.enabled ?? true, ...(a.provision ? { provision: a.provision } : {}),
  };
}

export function kazooUserDoc(u: KazooUserInput, dbPrefix = ''): Record<string, unknown> {
  return {
    _id: u.id, first_name: u.first, last_name: u.last, username: u.username || `${u.first}.${u.last}`.toLowerCase(),
    email: `${u.first}.${u.last}@example.com`.toLowerCase(), priv_level: u.privLevel || 'user',
    presence_id: u.presenceId, enabled: true, timezone: u.timezone, language: u.language,
    caller_id: { internal: { name: `${u.first} ${u.last}`, number: u.presenceId } },
    pvt_type: 'user', pvt_account_id: u.accountId, pvt_account_db: dbPrefix + accountDbOf(u.accountId),
    pvt_created: STAMP, pvt_modified: STAMP, pvt_vsn: '1',
  };
}

export function kazooDeviceDoc(d: KazooDeviceInput, dbPrefix = ''): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    _id: d.id, name: d.name, device_type: d.deviceType || 'sip_device', enabled: d.enabled ?? true,
    sip: { username: d.username, password: d.password, method: 'password', invite_format: 'username',
      expire_seconds: d.expire ?? 300, ...(d.realm ? { realm: d.realm } : {}) },
    media: { audio: { codecs: d.codecs || ['PCMU', 'PCMA'] }, video: { codecs: [] }, encryption: { enforce_security: false } },
    call_restriction: {}, suppress_unregister_notifications: false,
    pvt_type: 'device', pvt_account_id: d.accountId, pvt_account_db: dbPrefix + accountDbOf(d.accountId),
    pvt_created: STAMP, pvt_modified: STAMP, pvt_vsn: '1',
  };
  if (d.mac) doc.mac_address = d.mac;
  if (d.ownerId) doc.owner_id = d.ownerId;
  if (d.timezone) doc.timezone = d.timezone;
  if (d.language) doc.language = d.language;
  if (d.brand) {
    doc.provision = { endpoint_brand: d.brand, endpoint_family: d.family, endpoint_model: d.model,
      ...(d.featureKeys ? { feature_keys: d.featureKeys } : {}), ...(d.comboKeys ? { combo_keys: d.comboKeys } : {}) };
  }
  return doc;
}

// The decision table (reference, "Ours" column) as pure functions over state already loaded: which
// row a request falls in, what to do, and what the app is told. No I/O here; endpoint.ts loads and
// writes.
import type { KazooDevice } from '../kazoo/directory.js';
import { subdomainOf } from './settings.js';
import type { ActivationDoc, CodeDoc, ProvisionReply, ServedAccount, SessiontalkSettings, SipAccount } from './types.js';

export const MSG = {
  badRequest: 'Bad Request',
  invalidKey: 'Invalid Key',
  expired: 'Expired Key',
  maxReached: 'Max Devices Exceeded',
  alreadyUsed: 'Code Already Used',
  reactivated: 'Re-Activated Existing Device',
  valid: 'Valid Activation',
  disabled: 'Device Disabled',
  invalidDevice: 'Invalid Device',
  noLines: 'No Lines Enabled',
  tooMany: 'Too Many Requests',
  unavailable: 'Service Unavailable',
} as const;

export interface ProvisionRequest {
  username: string; realm: string; code: string; deviceId: string; reprovision: boolean;
}

/** Row 1: username, password (or key) and deviceId must be present, once each. Null: 400. */
export function parseRequest(query: Record<string, string | string[] | undefined>): ProvisionRequest | null {
  const one = (name: string) => {
    const v = query[name];
    return typeof v === 'string' ? v : Array.isArray(v) ? null : '';
  };
  const username = one('username');
  // SessionCloud sometimes sends `key` instead of `password`.
  const password = one('password') || one('key');
  const deviceId = one('deviceId');
  const reprovision = one('reprovision');
  if (!username || !password || !deviceId || reprovision === null) return null;
  const at = username.lastIndexOf('@');
  // No realm: not a 400 (the parameters are there), but no tenant either; answered as an unknown code.
  const realm = at >= 0 ? username.slice(at + 1).toLowerCase() : '';
  return { username, realm, code: password, deviceId, reprovision: reprovision === 'true' };
}

export const reply = (update: boolean, errmsg: string, status = 200): ProvisionReply => ({ status, body: { update, errmsg } });

/** True when `binding` is the activation `code` currently holds (the code document is the arbiter). */
export function holds(code: CodeDoc | null, binding: ActivationDoc | null): binding is ActivationDoc {
  return !!code && !!binding && binding.code_hash === code.code_hash && code.activation_id === binding._id;
}

export interface ActivationState {
  now: number;
  settings: SessiontalkSettings;
  /** The code, looked up inside the realm's account only (null: unknown, malformed or other tenant). */
  code: CodeDoc | null;
  /** The activation the code points at, if any. */
  codeBinding: ActivationDoc | null;
  /** The activation of this install (deviceId) in this account, if any. */
  deviceBinding: ActivationDoc | null;
  /** Whether the Kazoo device the code was minted for still exists. */
  targetExists: boolean;
}

export type Plan =
  /** An error the app shows (update:true, no accounts); nothing changes. */
  | { kind: 'refuse'; errmsg: string }
  /** Row 3: this install already holds this code. */
  | { kind: 'serve'; binding: ActivationDoc }
  /**
   * Rows 4-8: this install gets a new activation for the code. `replace` is this install's previous
   * activation (overwritten), `takeFrom` the code's activation on another install (deleted); with
   * `move` the latter is carried over as it is, without a max_activations check.
   */
  | { kind: 'bind'; replace: ActivationDoc | null; takeFrom: ActivationDoc | null; move: boolean };

/** reprovision=false. */
export function planActivation(st: ActivationState): Plan {
  const { code } = st;
  if (!code || code.revoked_at) return { kind: 'refuse', errmsg: MSG.invalidKey }; // row 2 (and 15 after a revoke)
  const codeLive = holds(code, st.codeBinding) ? st.codeBinding : null;
  const dev = st.deviceBinding;
  if (codeLive && dev && codeLive._id === dev._id) return { kind: 'serve', binding: dev }; // row 3, any expiry
  if (st.now >= code.expires_at) return { kind: 'refuse', errmsg: MSG.expired }; // row 9 (EXP, OTH-X)
  if (!st.targetExists) return { kind: 'refuse', errmsg: MSG.invalidKey }; // row 10
  if (!codeLive) return { kind: 'bind', replace: dev, takeFrom: null, move: false }; // rows 4, 5, 6 (and 15)
  // The code is held by another install and still valid (OTH-V).
  if (st.settings.move_policy === 'deny') return { kind: 'refuse', errmsg: MSG.alreadyUsed }; // row 7/8, deny
  if (!dev) return { kind: 'bind', replace: null, takeFrom: codeLive, move: true }; // row 7, move
  return { kind: 'bind', replace: dev, takeFrom: codeLive, move: false }; // row 8
}

/** reprovision=true: only an install holding its code is served (rows 11, 12, 14); else row 13. */
export function planReprovision(code: CodeDoc | null, binding: ActivationDoc | null): 'serve' | 'invalid' {
  return holds(code, binding) ? 'serve' : 'invalid';
}

/** The SIP accounts an activation holds now: its enabled Kazoo devices with credentials, in its order. */
export function buildAccounts(deviceIds: string[], devices: Map<string, KazooDevice | null>, settings: SessiontalkSettings,
  realm: string): { accounts: SipAccount[]; served: ServedAccount[] } {
  const accounts: SipAccount[] = [];
  const served: ServedAccount[] = [];
  const subdomain = subdomainOf(realm, settings.base_domain) ?? subdomainOf(realm, '')!;
  for (const id of deviceIds) {
    const d = devices.get(id);
    if (!d || d.pvt_type !== 'device' || d.pvt_deleted || d.enabled === false) continue;
    const username = d.sip?.username;
    const password = d.sip?.password;
    if (!username || !password) continue;
    const common = {
      subdomain, authusername: username, transport: settings.transport || 'UDP' as const,
      srtp: settings.srtp, messaging: settings.messaging, video: settings.video, callrecording: settings.callrecording,
    };
    // Key order as in SessionTalk's documentation.
    accounts.push({ sipusername: username, sippassword: password, ...common });
    served.push({ device_id: id, device_rev: d._rev || '', sipusername: username, ...common });
  }
  return { accounts, served };
}

/**
 * Whether the accounts differ from what the install last received, without any hash of a password:
 * everything but the password is compared as it is; the password is compared only when the device's
 * revision moved, against the password in the revision that was served (asked of Kazoo's CouchDB).
 * A revision that cannot be read any more (compacted) counts as a change: one needless update is
 * harmless, a missed password change is not.
 */
export async function accountsChanged(served: ServedAccount[] | null, current: ServedAccount[],
  passwords: { now: (deviceId: string) => string; at: (deviceId: string, rev: string) => Promise<string | null> }): Promise<boolean> {
  if (!served || served.length !== current.length) return true;
  const revMoved: ServedAccount[] = [];
  for (let i = 0; i < current.length; i++) {
    const a = served[i];
    const b = current[i];
    for (const k of Object.keys(b) as Array<keyof ServedAccount>) {
      if (k !== 'device_rev' && a[k] !== b[k]) return true;
    }
    if (a.device_rev !== b.device_rev) revMoved.push(a);
  }
  for (const a of revMoved) {
    const before = await passwords.at(a.device_id, a.device_rev);
    if (before === null || before !== passwords.now(a.device_id)) return true;
  }
  return false;
}

/** What an install holding its code is told (rows 3, 11, 12, 14). */
export function serveReply(enabled: boolean, accounts: SipAccount[], changed: boolean, errmsg: string): ProvisionReply {
  // Disabled: the app keeps what it has (update:false), and gets no changes, password updates included.
  if (!enabled) return reply(false, MSG.disabled);
  if (!accounts.length) return reply(true, MSG.noLines);
  return { status: 200, body: { update: changed, sipaccounts: accounts, errmsg } };
}

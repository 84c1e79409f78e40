// Per-account phone-security settings: ours, in the state DB (doc `provsec:<accountId>`), beside what
// Kazoo's account doc says (`provision.provision_enabled`, `provision.urlpass`, read in resolve.ts).
import { BlockList, isIP } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { badRequest, conflict } from '../http/errors.js';
import { CACHE_TTL_MS, TtlCache } from './ttl-cache.js';

export interface SecuritySettings {
  /** After a device's first good fetch, serve its files only to that source IP (2600Hz-style lock). */
  first_contact_lock: boolean;
  /** A device that has never fetched may do so without credentials (else only inside a window). */
  allow_first_contact: boolean;
  /** Minutes after the first contact during which the phone may still fetch without credentials. */
  first_contact_grace_minutes: number;
  /**
   * A first contact is accepted only this many minutes after the device was created in Kazoo (its
   * `pvt_created`) or last unlocked; null: at any time. Closes first contact for phones long set up.
   */
  first_contact_within_minutes: number | null;
  /** Source ranges allowed to fetch this account's files; empty: any. */
  cidrs: string[];
  /**
   * After the first contact, per-device credentials (Digest, Basic over TLS) or a matching client
   * certificate are required. Unset (null) means: required unless the account has a legacy `urlpass`.
   */
  require_credentials: boolean | null;
  /** Phones must present a factory certificate (HTTPS with TLS_CLIENT_CA) whose MAC is theirs. */
  require_client_cert: boolean;
}

export const DEFAULT_SETTINGS: SecuritySettings = {
  first_contact_lock: true, allow_first_contact: true, first_contact_grace_minutes: 15, first_contact_within_minutes: null, cidrs: [],
  require_credentials: null, require_client_cert: false,
};

/** A week: the longest a device may wait for its first contact (and how long an unlock is remembered). */
export const FIRST_CONTACT_MAX_MINUTES = 10080;

const schema = {
  type: 'object', additionalProperties: false,
  properties: {
    first_contact_lock: { type: 'boolean' },
    allow_first_contact: { type: 'boolean' },
    first_contact_grace_minutes: { type: 'integer', minimum: 0, maximum: 1440 },
    first_contact_within_minutes: { type: ['integer', 'null'], minimum: 1, maximum: FIRST_CONTACT_MAX_MINUTES },
    cidrs: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 50, pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' } },
    require_credentials: { type: ['boolean', 'null'] },
    require_client_cert: { type: 'boolean' },
  },
};
const validate = new Ajv({ allErrors: false }).compile(schema);

const HINTS: Record<string, string> = {
  first_contact_lock: 'true or false', allow_first_contact: 'true or false', require_client_cert: 'true or false',
  first_contact_grace_minutes: 'an integer number of minutes from 0 to 1440',
  first_contact_within_minutes: `null (any time) or an integer number of minutes from 1 to ${FIRST_CONTACT_MAX_MINUTES}`,
  cidrs: 'a list of at most 200 IPs or CIDRs such as "192.0.2.0/24" or "2001:db8::/32"',
  require_credentials: 'true, false or null (null: required unless the account has a urlpass)',
};

function problem(e: ErrorObject): never {
  if (e.keyword === 'additionalProperties') {
    const field = String((e.params as { additionalProperty: string }).additionalProperty);
    throw badRequest(`${field} is not a provisioning setting`, { pointer: `/${field}`, field });
  }
  const field = e.instancePath.split('/')[1] || '(body)';
  throw badRequest(`${field} must be ${HINTS[field] || e.message}`, { pointer: e.instancePath || '/', field });
}

/** A BlockList of the ranges, or the index of the first one that is not an IP/CIDR. */
export function parseCidrs(cidrs: string[]): BlockList | number {
  const list = new BlockList();
  for (let i = 0; i < cidrs.length; i++) {
    const [addr, bits] = cidrs[i].split('/');
    const v = isIP(addr);
    const max = v === 6 ? 128 : 32;
    if (!v || (bits !== undefined && !(Number(bits) >= 0 && Number(bits) <= max))) return i;
    const family = v === 6 ? 'ipv6' : 'ipv4';
    if (bits !== undefined) list.addSubnet(addr, Number(bits), family);
    else list.addAddress(addr, family);
  }
  return list;
}

export function inCidrs(list: BlockList, ip: string): boolean {
  const v = isIP(ip);
  return v !== 0 && list.check(ip, v === 6 ? 'ipv6' : 'ipv4');
}

/** Applies a PUT body over the current settings; a 400 naming the field otherwise. */
export function mergeSettings(current: SecuritySettings, input: unknown): SecuritySettings {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw badRequest('send the settings as {"data": {...}}', { pointer: '/data', field: 'data' });
  if (!validate(input)) problem(validate.errors![0]);
  const next = { ...current, ...(input as Partial<SecuritySettings>) };
  const bad = parseCidrs(next.cidrs);
  if (typeof bad === 'number') throw badRequest(`cidrs must be ${HINTS.cidrs}; "${next.cidrs[bad]}" is not`, { pointer: `/cidrs/${bad}`, field: 'cidrs' });
  return next;
}

export const settingsId = (accountId: string) => `provsec:${accountId}`;

type SettingsDoc = Partial<SecuritySettings> & { _id: string; account_id: string };

/** The stored settings over the defaults (no document: the defaults). */
function settingsOf(doc: SettingsDoc | null): SecuritySettings {
  const out = { ...DEFAULT_SETTINGS };
  for (const k of Object.keys(DEFAULT_SETTINGS) as Array<keyof SecuritySettings>) if (doc?.[k] !== undefined) (out as any)[k] = doc[k];
  return out;
}

export class SettingsStore {
  private cache: TtlCache<SecuritySettings>;
  constructor(private app: AppContext) {
    this.cache = new TtlCache(app, CACHE_TTL_MS);
  }

  async get(accountId: string): Promise<SecuritySettings> {
    return this.cache.get(accountId, async () => settingsOf(await getOrNull<SettingsDoc>(this.app.stateDb, settingsId(accountId))));
  }

  /** Every account's settings in one range read (see TtlCache.prime). */
  preload(): Promise<number> {
    return this.cache.prime<SettingsDoc>('provsec:', (d) => d.account_id, settingsOf);
  }

  async put(accountId: string, input: unknown): Promise<SecuritySettings> {
    this.cache.drop(accountId);
    const next = mergeSettings(await this.get(accountId), input);
    const cur = await getOrNull<any>(this.app.stateDb, settingsId(accountId));
    try {
      await this.app.stateDb.insert({ ...next, _id: settingsId(accountId), ...(cur ? { _rev: cur._rev } : {}),
        pvt_type: 'provision_settings', account_id: accountId, updated_at: this.app.now() });
    } catch (err) {
      if (statusOf(err) === 409) throw conflict('the settings were changed meanwhile; read them again');
      throw err;
    }
    this.cache.drop(accountId);
    return next;
  }

  /** Another instance (or this one) changed the doc: read it again next time. */
  changed(accountId: string): void {
    this.cache.drop(accountId);
  }
}

/** Whether per-device credentials are required after first contact, with null resolved. */
export function credentialsRequired(settings: SecuritySettings, urlpass: unknown): boolean {
  if (settings.require_credentials !== null) return settings.require_credentials;
  // Accounts moved from the original project have phones with `pass=` in their URLs: they keep working
  // until the operator turns this on (the phones have picked up their own credentials by then).
  return !(typeof urlpass === 'string' && urlpass);
}

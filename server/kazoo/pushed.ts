// What Kazoo's provisioner_v5 pushed for a device (reference/monster-ui-and-kazoo.md §3.3), kept for
// the time Kazoo's CouchDB cannot be read from here: checking the shape, storing it in our state
// database, and turning it back into the documents our renderer reads (a synthetic Kazoo device and
// account, users for the keys). Kazoo already translated the keys to the vendor's codes; they are
// mapped back with the vendor profile and the values' shapes, and what cannot be mapped is reported,
// never guessed.
import { createHash } from 'node:crypto';
import type { DocumentScope } from 'nano';
import type { KeyTypeSpec, ProfileDoc } from '../catalog/types.js';
import { removeCurrent } from '../couch/client.js';
import { badRequest } from '../http/errors.js';
import type { KazooKeyType } from '../render/keys.js';
import type { PhoneData } from '../render/model.js';
import type { KazooAccount, KazooDevice, KazooUser } from './directory.js';

/** The device part of a push: `data` of `POST devices/{accountId}/{mac}`. */
export interface PushedDevice { brand?: string; family?: string; model?: string; name?: string; settings?: Record<string, unknown> }

export interface PushedDoc extends PushedDevice {
  _id: string; _rev?: string; pvt_type: 'pushed_device'; account_id: string; mac: string;
  /** Derived from the pushed content: a new password gives a new rev, and the MAC's files are rendered again. */
  rev: string; pushed_at: number;
}

type Obj = Record<string, unknown>;

// One doc per account and MAC: a MAC pushed by two accounts is a conflict the index reports, and
// neither account's push may overwrite the other's.
export const pushedDocId = (accountId: string, mac: string) => `pushed:${mac}:${accountId}`;
/** The index entry's device id: Kazoo's device id is not in the push, and Kazoo's ids never look like this. */
export const pushedDeviceId = (mac: string) => `pushed:${mac}`;
export const isPushedDeviceId = (id: string) => id.startsWith('pushed:');

// ---- shape -------------------------------------------------------------------------------------

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const dotted = (pointer: string) => pointer.slice(1).replace(/\//g, '.');

/** The entries of an optional object; anything else than an object (arrays included) is a 400 at `pointer`. */
function entriesAt(v: unknown, pointer: string, expected: string): Array<[string, unknown]> {
  if (v === undefined || v === null) return [];
  if (!isObj(v)) throw badRequest(`${dotted(pointer)} must be ${expected}, as Kazoo's provisioner_v5 sends it`, { pointer });
  return Object.entries(v);
}

function scalarsAt(v: unknown, pointer: string): void {
  for (const [k, x] of entriesAt(v, pointer, 'an object')) {
    if (x !== null && !['string', 'number', 'boolean'].includes(typeof x)) {
      throw badRequest(`${dotted(pointer)}.${k} must be a string, a number or a boolean`, { pointer: `${pointer}/${k}` });
    }
  }
}

/**
 * Rejects settings our renderer could not read, before anything is written. Only the parts we use
 * are checked; Kazoo may send more.
 */
export function checkPushedSettings(settings: Obj | undefined): void {
  const at = '/data/settings';
  for (const [i, line] of entriesAt(settings?.lines, `${at}/lines`, 'an object keyed by line index ({"0": {"sip": {…}}})')) {
    const p = `${at}/lines/${i}`;
    for (const [part, v] of entriesAt(line, p, 'an object with basic, sip and advanced')) {
      if (['basic', 'sip', 'advanced'].includes(part)) scalarsAt(v, `${p}/${part}`);
    }
  }
  for (const [i, codec] of entriesAt(settings?.codecs, `${at}/codecs`, 'an object keyed by line index ({"0": {"audio": {…}}})')) {
    for (const [kind, v] of entriesAt(codec, `${at}/codecs/${i}`, 'an object with audio and video')) scalarsAt(v, `${at}/codecs/${i}/${kind}`);
  }
  const time = entriesAt(settings?.datetime, `${at}/datetime`, 'an object ({"time": {"timezone": …}})').find(([k]) => k === 'time');
  if (time) scalarsAt(time[1], `${at}/datetime/time`);
  for (const field of ['feature_keys', 'combo_keys', 'line_keys']) {
    for (const [i, entry] of entriesAt(settings?.[field], `${at}/${field}`, 'an object keyed by key index ({"0": {"key": {…}}})')) {
      if (!/^\d+$/.test(i) || entry === null) continue; // `account: "1"` sits beside the keys
      const p = `${at}/${field}/${i}`;
      const key = entriesAt(entry, p, 'an object ({"key": {type, value, label}})').find(([k]) => k === 'key');
      if (!key || !isObj(key[1])) throw badRequest(`${dotted(p)}.key must be an object with type, value and label`, { pointer: `${p}/key` });
      scalarsAt(key[1], `${p}/key`);
    }
  }
}

// ---- storage (our state database, admin-only) ---------------------------------------------------

export function pushedDoc(accountId: string, mac: string, data: PushedDevice, now: number): PushedDoc {
  const rev = `pushed-${createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 32)}`;
  return { _id: pushedDocId(accountId, mac), pvt_type: 'pushed_device', account_id: accountId, mac,
    brand: data.brand, family: data.family, model: data.model, name: data.name, settings: data.settings || {}, rev, pushed_at: now };
}

export async function removePushed(db: DocumentScope<any>, accountId: string, mac: string): Promise<void> {
  await removeCurrent(db, pushedDocId(accountId, mac));
}

// ---- back to Kazoo's documents ------------------------------------------------------------------

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
const off = (v: unknown) => v === false || v === 'false';
const CODEC_SLOTS = ['primary_codec', 'secondary_codec', 'tertiary_codec', 'quaternary_codec'];
const TYPES: KazooKeyType[] = ['presence', 'speed_dial', 'parking', 'personal_parking', 'line'];
const PARK = /^\*3(.+)$/;

/** The lowest-numbered entry of a map keyed by index ("0" is the device's line and codecs). */
function firstOf(map: unknown): Obj {
  if (!isObj(map)) return {};
  const key = Object.keys(map).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b))[0];
  return key !== undefined && isObj(map[key]) ? map[key] as Obj : {};
}

const part = (o: Obj, name: string): Obj => (isObj(o[name]) ? o[name] as Obj : {});
const codeOf = (spec: KeyTypeSpec) => (typeof spec === 'string' ? spec : spec.code);

/** Could a key of this type have been translated by Kazoo into this value and label? */
function fits(type: KazooKeyType, value: string, label: string): boolean {
  const park = PARK.exec(value);
  const parkShaped = !!park && label.startsWith('Park ');
  switch (type) {
    case 'line': return value === '';
    case 'parking': return parkShaped && /^\d+$/.test(park![1]) && label === `Park ${park![1]}`;
    case 'personal_parking': return parkShaped;
    default: return value !== '' && !parkShaped;
  }
}

/** Our key type for one pushed key, or why there is none. */
export function neutralType(profile: ProfileDoc | undefined, code: string, value: string, label: string): KazooKeyType | { why: string } {
  const types = TYPES.filter((t) => {
    const spec = profile?.key_types?.[t];
    return spec !== undefined && codeOf(spec).toLowerCase() === code.toLowerCase();
  });
  if (!types.length) return { why: `no ${profile?.name || 'vendor'} key type has it` };
  let fitting = types.filter((t) => fits(t, value, label));
  // "Park <n>" is what Kazoo makes of a parking slot; the two render alike anyway.
  if (fitting.includes('parking')) fitting = fitting.filter((t) => t !== 'personal_parking');
  if (fitting.length === 1) return fitting[0];
  if (!fitting.length) return { why: `it is ${types.join(' or ')}, but value "${value}" fits none of them` };
  return { why: `it is ${fitting.join(' or ')}, and value and label do not tell which` };
}

/**
 * One map of pushed keys as the device doc's keys, with users for presence and personal parking so
 * the renderer resolves them as it does Kazoo's. An unmapped key is left out and said why.
 */
export function neutralKeys(kind: 'combo key' | 'feature key', pushed: unknown, profile: ProfileDoc | undefined, users: Map<string, KazooUser>) {
  const keys: Obj = {};
  const problems: string[] = [];
  for (const [i, entry] of Object.entries(isObj(pushed) ? pushed : {})) {
    if (!/^\d+$/.test(i) || !isObj(entry) || !isObj(entry.key)) continue;
    const k = entry.key as Obj;
    const [code, value, label] = [str(k.type), str(k.value), str(k.label)];
    const type = neutralType(profile, code, value, label);
    if (typeof type === 'string') {
      keys[i] = neutralKey(type, value, label, users);
      continue;
    }
    problems.push(`${kind} ${Number(i) + 1}: pushed code "${code}" dropped: ${type.why}`);
  }
  return { keys, problems };
}

function neutralKey(type: KazooKeyType, value: string, label: string, users: Map<string, KazooUser>): Obj {
  const withLabel = label ? { label } : {};
  if (type === 'presence' || type === 'personal_parking') {
    const presenceId = type === 'presence' ? value : PARK.exec(value)![1];
    const name = type === 'presence' ? label : label.replace(/^Park /, '');
    const id = `${type}:${presenceId}`;
    users.set(id, { _id: id, pvt_type: 'user', presence_id: presenceId, first_name: name || undefined });
    return { type, value: id, ...withLabel };
  }
  if (type === 'parking') return { type, value: Number(PARK.exec(value)![1]), ...withLabel };
  if (type === 'speed_dial') return { type, value, ...withLabel };
  return { type, ...withLabel };
}

/** The pushed device as our renderer's input; `mirror` is the account from Kazoo's `accounts` database, if we have it. */
export function pushedPhoneData(doc: PushedDoc, mirror: KazooAccount | undefined, profile: ProfileDoc | undefined): PhoneData {
  const settings = isObj(doc.settings) ? doc.settings : {};
  const line = firstOf(settings.lines);
  const [basic, sip, advanced] = [part(line, 'basic'), part(line, 'sip'), part(line, 'advanced')];
  const audio = part(firstOf(settings.codecs), 'audio');
  const timezone = str(part(part(settings, 'datetime'), 'time').timezone) || undefined;
  const users = new Map<string, KazooUser>();
  const combo = neutralKeys('combo key', settings.combo_keys, profile, users);
  const feature = neutralKeys('feature key', settings.feature_keys, profile, users);
  const expire = Number(advanced.expire);
  const device: KazooDevice = {
    _id: pushedDeviceId(doc.mac), _rev: doc.rev, pvt_type: 'device', mac_address: doc.mac,
    name: str(basic.display_name) || doc.name, enabled: !off(basic.enable),
    sip: { username: str(sip.username), password: str(sip.password), realm: str(sip.realm) || undefined,
      ...(Number.isFinite(expire) && expire > 0 ? { expire_seconds: expire } : {}) },
    provision: { endpoint_brand: doc.brand, endpoint_family: doc.family, endpoint_model: doc.model,
      combo_keys: combo.keys, feature_keys: feature.keys },
    media: { audio: { codecs: CODEC_SLOTS.map((slot) => str(audio[slot])).filter(Boolean) },
      ...(advanced.srtp === true ? { encryption: { enforce_security: true } } : {}) },
    timezone,
  };
  const account: KazooAccount = mirror || { _id: doc.account_id, realm: str(sip.realm) || undefined, timezone };
  return { mac: doc.mac, accountId: doc.account_id, account, devices: [device], users, problems: [...combo.problems, ...feature.problems] };
}

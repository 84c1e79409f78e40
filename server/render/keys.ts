// Kazoo's feature and combo keys → vendor-neutral keys placed on the phone's keys, memory keys and
// expansion modules, with the vendor's codes from its profile.
import type { Capabilities, KeyTypeSpec, ProfileDoc } from '../catalog/types.js';
import type { KazooUser } from '../kazoo/directory.js';
import { renderValue } from './values.js';

export type KazooKeyType = 'presence' | 'speed_dial' | 'parking' | 'personal_parking' | 'line';

export interface NeutralKey {
  index: number; index0: number; slot: number; slot0: number; module?: number; page: number; page_index: number;
  type: KazooKeyType; code: string; value: string; label: string; line: number; realm: string;
}
export interface PlacedKeys { phone: NeutralKey[]; memory: NeutralKey[]; module: NeutralKey[]; problems: string[] }

interface RawKey { type?: string; value?: unknown; label?: string }

function userName(u: KazooUser | undefined): string {
  if (!u) return '';
  return [u.first_name, u.last_name].filter(Boolean).join(' ') || u.caller_id?.internal?.name || u.username || '';
}

/** Ids of users the keys point at (presence and personal parking), to fetch them in one request. */
export function keyUserIds(...maps: Array<Record<string, unknown> | undefined>): string[] {
  const ids = new Set<string>();
  for (const m of maps) {
    for (const raw of Object.values(m || {}) as RawKey[]) {
      if (raw && (raw.type === 'presence' || raw.type === 'personal_parking') && typeof raw.value === 'string') ids.add(raw.value);
    }
  }
  return [...ids];
}

function entries(map: Record<string, unknown> | undefined): Array<[number, RawKey]> {
  return Object.entries(map || {})
    .filter(([k, v]) => /^\d+$/.test(k) && v && typeof v === 'object')
    .map(([k, v]) => [Number(k), v as RawKey] as [number, RawKey])
    .sort((a, b) => a[0] - b[0]);
}

/** What the key dials or watches, and its default label, as Kazoo's provisioner_v5 resolves them. */
function resolve(raw: RawKey, users: Map<string, KazooUser>, lineNo: number): { value: string; label: string } | string {
  const v = raw.value as any;
  switch (raw.type) {
    case 'presence': {
      const u = users.get(String(v));
      if (!u?.presence_id) return `presence key points at user ${v}, who has no presence id`;
      return { value: String(u.presence_id), label: userName(u) || String(u.presence_id) };
    }
    case 'personal_parking': {
      const u = users.get(String(v));
      if (!u?.presence_id) return `personal parking key points at user ${v}, who has no presence id`;
      return { value: `*3${u.presence_id}`, label: `Park ${userName(u) || u.presence_id}` };
    }
    case 'parking': {
      const n = Number(v?.value ?? v);
      if (!Number.isInteger(n) || n < 0) return `parking key has no slot number`;
      return { value: `*3${n}`, label: `Park ${n}` };
    }
    case 'speed_dial': {
      const number = v && typeof v === 'object' ? v.value : v;
      if (number === undefined || number === null || String(number) === '') return 'speed dial key has no number';
      return { value: String(number), label: String((v && typeof v === 'object' && v.label) || number) };
    }
    case 'line':
      return { value: String(lineNo), label: `Line ${lineNo}` };
    default:
      return `key type ${JSON.stringify(raw.type)} is not a Kazoo key type`;
  }
}

export function placeKeys(input: {
  comboKeys?: Record<string, unknown>; featureKeys?: Record<string, unknown>; caps: Capabilities & { keys_per_page?: number };
  profile: ProfileDoc | undefined; users: Map<string, KazooUser>; lineCount: number; realm: string;
}): PlacedKeys {
  const { caps, profile } = input;
  const out: PlacedKeys = { phone: [], memory: [], module: [], problems: [] };
  const slotCount = caps.line_keys + caps.expansion_modules * caps.expansion_keys;
  const taken = new Set<number>();
  let nextLine = 0;
  const perPage = caps.keys_per_page || 0;

  const build = (raw: RawKey, where: 'slot' | 'memory', pos: number, lineNo: number): NeutralKey | null => {
    const spec: KeyTypeSpec | undefined = profile?.key_types?.[raw.type as KazooKeyType];
    if (spec === undefined) { out.problems.push(`${raw.type} keys are not supported by ${profile?.name || 'this vendor'}`); return null; }
    const r = resolve(raw, input.users, lineNo);
    if (typeof r === 'string') { out.problems.push(r); return null; }
    const onModule = where === 'slot' && pos >= caps.line_keys;
    const index0 = onModule ? (pos - caps.line_keys) % caps.expansion_keys : pos;
    const key: NeutralKey = {
      index: index0 + 1, index0, slot: pos + 1, slot0: pos,
      module: onModule ? Math.floor((pos - caps.line_keys) / caps.expansion_keys) + 1 : undefined,
      page: perPage ? Math.floor(index0 / perPage) + 1 : 1, page_index: perPage ? (index0 % perPage) + 1 : index0 + 1,
      type: raw.type as KazooKeyType, code: '', value: r.value, label: raw.label || r.label,
      line: raw.type === 'line' ? lineNo : 1, realm: input.realm,
    };
    if (typeof spec === 'string') {
      key.code = spec;
    } else {
      key.code = spec.code;
      if (spec.value) key.value = renderValue(spec.value, { key }).trim();
      if (spec.label) key.label = renderValue(spec.label, { key }).trim();
    }
    return key;
  };

  for (const [pos, raw] of entries(input.comboKeys)) {
    if (pos >= slotCount) { out.problems.push(`combo key ${pos + 1} is beyond the phone's ${slotCount} keys`); continue; }
    const lineNo = raw.type === 'line' ? (nextLine++ % Math.max(input.lineCount, 1)) + 1 : 1;
    const key = build(raw, 'slot', pos, lineNo);
    if (!key) continue;
    taken.add(pos);
    (key.module ? out.module : out.phone).push(key);
  }
  for (const [pos, raw] of entries(input.featureKeys)) {
    if (caps.memory_keys > 0) {
      if (pos >= caps.memory_keys) { out.problems.push(`feature key ${pos + 1} is beyond the phone's ${caps.memory_keys} memory keys`); continue; }
      const key = build(raw, 'memory', pos, 1);
      if (key) out.memory.push(key);
      continue;
    }
    // No separate memory keys: feature keys share the programmable keys (as the original did).
    if (pos >= slotCount) { out.problems.push(`feature key ${pos + 1} is beyond the phone's ${slotCount} keys`); continue; }
    if (taken.has(pos)) { out.problems.push(`feature key ${pos + 1} and combo key ${pos + 1} both claim one key; the combo key wins`); continue; }
    const key = build(raw, 'slot', pos, 1);
    if (!key) continue;
    (key.module ? out.module : out.phone).push(key);
  }
  const bySlot = (a: NeutralKey, b: NeutralKey) => a.slot - b.slot;
  out.phone.sort(bySlot); out.module.sort(bySlot); out.memory.sort(bySlot);
  return out;
}

/**
 * The phone key each line appears on: the Line key Kazoo gives it, else the first key nobody uses.
 * Vendors whose phones show only the keys the file assigns (Polycom's flexible line keys) need one
 * for every line, or a line registers with no key to answer or call on. 0 = no key left.
 */
export function lineKeySlots(phone: NeutralKey[], lineCount: number, lineKeys: number): number[] {
  const used = new Set(phone.map((k) => k.slot));
  const slots: number[] = [];
  for (let line = 1; line <= lineCount; line++) {
    const own = phone.find((k) => k.type === 'line' && k.line === line);
    if (own) { slots.push(own.slot); continue; }
    let free = 0;
    for (let slot = 1; slot <= lineKeys; slot++) if (!used.has(slot)) { free = slot; break; }
    if (free) used.add(free);
    slots.push(free);
  }
  return slots;
}

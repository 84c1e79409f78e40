// The vendor-neutral phone settings tree, its JSON Schema, and the check of per-brand raw keys.
// A level's document holds a partial tree: what it sets overrides the levels above it.
import { Ajv, type ErrorObject } from 'ajv';
import type { TemplateDoc } from '../catalog/types.js';
import { badRequest } from '../http/errors.js';
import { canonicalZone } from '../render/time-rule.js';

export interface NeutralSettings {
  time_zone?: string; language?: string; ntp_servers?: string[];
  vlan?: { enabled?: boolean; id?: number; priority?: number };
  codecs?: string[]; dtmf_mode?: 'rfc2833' | 'inband' | 'sip_info' | 'auto';
  transport?: 'udp' | 'tcp' | 'tls'; srtp?: 'off' | 'optional' | 'required';
  admin_password?: string; dial_plan?: string;
  screen?: { backlight_timeout_s?: number; brightness?: number };
  volumes?: { handset?: number; headset?: number; speaker?: number; ringer?: number };
}

/** What a level stores: neutral settings and raw keys per brand ({"yealink": {"features.dnd.enable": "1"}}). */
export interface LevelSettings { settings: NeutralSettings; raw: Record<string, Record<string, string>> }

const percent = { type: 'integer', minimum: 0, maximum: 100 };
export const SETTINGS_SCHEMA = {
  type: 'object', additionalProperties: false,
  properties: {
    time_zone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+\\-]+(/[A-Za-z0-9_+\\-]+)*$' },
    language: { type: 'string', pattern: '^[a-z]{2}(-[a-zA-Z]{2})?$' },
    ntp_servers: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\-\\[\\]]+$' } },
    vlan: { type: 'object', additionalProperties: false, properties: {
      enabled: { type: 'boolean' }, id: { type: 'integer', minimum: 1, maximum: 4094 }, priority: { type: 'integer', minimum: 0, maximum: 7 } } },
    codecs: { type: 'array', maxItems: 10, uniqueItems: true,
      items: { type: 'string', enum: ['PCMU', 'PCMA', 'G722', 'G729', 'G726', 'OPUS', 'iLBC', 'GSM', 'AMR-WB'] } },
    dtmf_mode: { type: 'string', enum: ['rfc2833', 'inband', 'sip_info', 'auto'] },
    transport: { type: 'string', enum: ['udp', 'tcp', 'tls'] },
    srtp: { type: 'string', enum: ['off', 'optional', 'required'] },
    admin_password: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\s"\'<>&]+$' },
    dial_plan: { type: 'string', maxLength: 1024 },
    screen: { type: 'object', additionalProperties: false, properties: {
      backlight_timeout_s: { type: 'integer', minimum: 0, maximum: 3600 }, brightness: percent } },
    volumes: { type: 'object', additionalProperties: false, properties: { handset: percent, headset: percent, speaker: percent, ringer: percent } },
  },
} as const;

const LEVEL_SCHEMA = {
  type: 'object', additionalProperties: false,
  properties: {
    settings: SETTINGS_SCHEMA,
    raw: { type: 'object', maxProperties: 20, propertyNames: { pattern: '^[a-z][a-z0-9_]{0,39}$' },
      additionalProperties: { type: 'object', maxProperties: 200,
        propertyNames: { minLength: 1, maxLength: 200 }, additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 1000 } } },
  },
};
const validateLevel = new Ajv({ allErrors: false, allowUnionTypes: true }).compile(LEVEL_SCHEMA);

function message(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `"${(e.params as { additionalProperty: string }).additionalProperty}" is not a setting here`;
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'propertyNames') return `"${(e.params as { propertyName: string }).propertyName}" is not a brand key (lowercase letters)`;
  return e.message || 'is not valid';
}

/** A level's body, checked and normalised (raw values as strings); a 400 with the JSON pointer otherwise. */
export function parseLevel(input: unknown): LevelSettings {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('send {"data": {"settings": {...}, "raw": {"<brand>": {"<key>": "<value>"}}}}', { pointer: '/data' });
  }
  if (!validateLevel(input)) {
    const e = validateLevel.errors![0];
    const extra = e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '';
    const pointer = `/data${e.instancePath}${extra}`;
    throw badRequest(`${pointer}: ${message(e)}`, { pointer });
  }
  const body = input as Partial<LevelSettings>;
  if (body.settings?.time_zone && !canonicalZone(body.settings.time_zone)) {
    throw badRequest(`/data/settings/time_zone: "${body.settings.time_zone}" is not an IANA time zone (such as "Europe/Berlin")`, { pointer: '/data/settings/time_zone' });
  }
  const raw: LevelSettings['raw'] = {};
  for (const [brand, keys] of Object.entries(body.raw || {})) {
    raw[brand] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, String(v)]));
  }
  return { settings: body.settings || {}, raw };
}

// Sections whose keys carry Kazoo's lines and keys (SIP credentials, owner, feature keys): Kazoo owns
// them, so no raw key may set them.
const KAZOO_SECTIONS = new Set(['cfg_account', 'cfg_linekey', 'cfg_memkey', 'cfg_expkey']);
const OURS = /\{\{[^}]*\b(line\.|key\.|server\.|settings\.prov_)/;

export interface KnownKeys { exact: Set<string>; patterns: RegExp[]; owned: Array<string | RegExp> }

/** The keys a template's plain sections can emit; placeholders ({{line.index}}) match any one token. */
export function knownKeys(templates: TemplateDoc[], into: KnownKeys = { exact: new Set(), patterns: [], owned: [] }): KnownKeys {
  for (const t of templates) {
    if (t.pvt_generator === 'json2xml') continue;
    for (const [name, section] of Object.entries(t)) {
      if (!name.startsWith('cfg_') || !section || typeof section !== 'object') continue;
      const entries = name === 'cfg_account_by_line' ? Object.values(section).flatMap((s) => Object.entries((s || {}) as Record<string, unknown>)) : Object.entries(section as Record<string, unknown>);
      for (const [key, spec] of entries) {
        const v = spec && typeof spec === 'object' ? (spec as { value?: unknown }).value : spec;
        const owned = KAZOO_SECTIONS.has(name) || name === 'cfg_account_by_line' || OURS.test(String(v ?? ''));
        if (key.includes('{')) {
          const re = new RegExp(`^${key.split(/\{\{[^}]*\}\}|\{[A-Za-z_]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^.\\s]+')}$`);
          into.patterns.push(re);
          if (owned) into.owned.push(re);
        } else {
          into.exact.add(key);
          if (owned) into.owned.push(key);
        }
      }
    }
  }
  return into;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest known key, when one is close enough to be the key meant. */
export function closest(key: string, known: KnownKeys): string | null {
  let best: string | null = null;
  let bestD = Math.max(3, Math.floor(key.length / 5)) + 1;
  for (const k of known.exact) {
    const d = distance(key, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best;
}

/** Refuses (400) a raw key the brand's templates never emit, or one Kazoo's documents own. */
export function checkRawKeys(brand: string, keys: Record<string, string>, known: KnownKeys, what: string): void {
  for (const key of Object.keys(keys)) {
    const pointer = `/data/raw/${brand}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (known.owned.some((o) => (typeof o === 'string' ? o === key : o.test(key)))) {
      throw badRequest(`${pointer}: "${key}" comes from Kazoo's device (SIP account, owner or feature keys) or from this server; change it in Kazoo, not as a raw key`, { pointer, key });
    }
    if (known.exact.has(key) || known.patterns.some((re) => re.test(key))) continue;
    const near = closest(key, known);
    throw badRequest(`${pointer}: "${key}" is not a key ${what} writes${near ? `; did you mean "${near}"?` : ''}`, { pointer, key, ...(near ? { did_you_mean: near } : {}) });
  }
}

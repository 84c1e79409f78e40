// JSON Schemas of the catalog's document types, enforced with ajv on every write path (API,
// import, setup). design-docs/catalog.ts mirrors the essentials for writes that bypass us.
import { Ajv, type ErrorObject } from 'ajv';
import { PHONEBOOK_FORMAT_NAMES } from '../phonebooks/formats.js';
import { lintTemplate } from './lint.js';
import { PROFILE_ID, TEMPLATE_ID } from './ids.js';
import type { TemplateDoc } from './types.js';

export const SECTION_NAMES = ['cfg_base', 'cfg_behavior', 'cfg_tone', 'cfg_keys', 'cfg_key', 'cfg_account',
  'cfg_linekey', 'cfg_memkey', 'cfg_expkey', 'cfg_firmware',
  // The phonebook URL keys (server/phonebooks/), apart from the rest so a brand's keys merge alone.
  'cfg_phonebook',
  // The vendor-neutral phone settings (server/settings/) a brand maps to its own keys, all omitted when unset.
  'cfg_settings'] as const;

export type SectionName = (typeof SECTION_NAMES)[number];

const KEY = '^[a-z0-9_-]+$';
// Original documents carry upper-case model ids (snom D375); we accept them and match case-insensitively.
const MODEL_KEY = '^[A-Za-z0-9_-]+$';

const section = { type: ['object', 'null'] };

// How bytes are written; a file may override part of it (Polycom: the master file's root is
// <APPLICATION>, the configuration files' is not).
const formatSchema = {
  type: 'object',
  properties: {
    delimiter: { type: 'string', minLength: 1, maxLength: 8 },
    quote: { enum: ['none', 'double'] },
    header: { type: ['string', 'null'], maxLength: 2000 },
    footer: { type: ['string', 'null'], maxLength: 2000 },
    comment_prefix: { type: 'string', maxLength: 4 },
    line_ending: { enum: ['\n', '\r\n'] },
    encoding: { enum: ['utf-8', 'latin1'] },
    xml_root: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.:-]*$' },
    xml_root_attributes: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    xml_declaration: { type: 'boolean' },
    duplicates: { enum: ['last', 'first'] },
  },
  additionalProperties: false,
};

// What a template or profile could not settle from a vendor document, said rather than guessed.
const unconfirmed = {
  type: 'array', maxItems: 200,
  items: {
    type: 'object', required: ['fact', 'reason'], additionalProperties: false,
    properties: { fact: { type: 'string', minLength: 1, maxLength: 300 }, reason: { type: 'string', minLength: 1, maxLength: 1000 } },
  },
};

const count = { type: 'integer', minimum: 0, maximum: 1000 };

export const templateSchema = {
  $id: 'template',
  type: 'object',
  required: ['_id', 'pvt_type', 'pvt_generator', 'endpoint_brand', 'endpoint_family', 'endpoint_model'],
  properties: {
    _id: { type: 'string', pattern: TEMPLATE_ID.source },
    _rev: { type: 'string' },
    pvt_type: { const: 'provisioner' },
    pvt_generator: { enum: ['json2xml', 'json2plain'] },
    pvt_counter: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0 },
    endpoint_brand: { type: 'string', pattern: '^[a-z]+$' },
    endpoint_family: { type: ['string', 'number'], pattern: KEY },
    endpoint_model: { type: ['string', 'number'], pattern: MODEL_KEY },
    // Former model keys of this family this template also answers to (devices saved with them).
    model_aliases: { type: 'array', maxItems: 16, uniqueItems: true, items: { type: 'string', pattern: MODEL_KEY } },
    name: { type: ['string', 'number'], minLength: 1, maxLength: 64 },
    family_name: { type: 'string', minLength: 1, maxLength: 64 },
    capabilities: {
      type: 'object',
      properties: {
        lines: { type: 'integer', minimum: 1, maximum: 64 },
        line_keys: count, memory_keys: count,
        expansion_modules: { type: 'integer', minimum: 0, maximum: 16 },
        max_expansion_modules: { type: 'integer', minimum: 0, maximum: 16 },
        expansion_keys: count,
        expansion_module_name: { type: 'string' },
        // The phone has one SIP transport for all its lines (Mitel/Aastra "sip transport protocol").
        shared_transport: { type: 'boolean' },
      },
      required: ['lines'],
    },
    format: formatSchema,
    files: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'scope', 'sections'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.{}-]+$', maxLength: 128 },
          scope: { enum: ['common', 'device'] },
          sections: { type: 'array', items: { enum: SECTION_NAMES }, uniqueItems: true },
          content_type: { type: 'string' },
          format: formatSchema,
        },
        additionalProperties: false,
      },
    },
    usr_keys: { type: ['object', 'null'], additionalProperties: { type: ['string', 'number'] } },
    settings: { type: 'object' },
    sources: { type: 'array', items: { type: 'string' } },
    unconfirmed,
    cfg_account_by_line: { type: 'object', propertyNames: { pattern: '^[1-9][0-9]?$' }, additionalProperties: section },
    ...Object.fromEntries(SECTION_NAMES.map((s) => [s, section])),
  },
};

const keyTypeValue = {
  anyOf: [
    { type: 'string', maxLength: 64 },
    { type: 'object', required: ['code'], properties: { code: { type: 'string' }, value: { type: 'string' },
      label: { type: 'string' } }, additionalProperties: false },
  ],
};

export const profileSchema = {
  $id: 'profile',
  type: 'object',
  required: ['_id', 'pvt_type', 'brand', 'name'],
  properties: {
    _id: { type: 'string', pattern: PROFILE_ID.source },
    _rev: { type: 'string' },
    pvt_type: { const: 'vendor_profile' },
    brand: { type: 'string', pattern: '^[a-z]+$' },
    name: { type: 'string', minLength: 1 },
    aliases: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' } },
    mac_case: { enum: ['lower', 'upper'] },
    ouis: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{6}$' } },
    user_agent: {
      type: 'object',
      required: ['pattern'],
      properties: { pattern: { type: 'string', maxLength: 500 }, mac_required: { type: 'boolean' } },
    },
    content_types: { type: 'object', additionalProperties: { type: 'string' } },
    key_types: { type: 'object', propertyNames: { enum: ['presence', 'speed_dial', 'parking', 'personal_parking', 'line'] },
      additionalProperties: keyTypeValue },
    default_files: templateSchema.properties.files,
    default_format: templateSchema.properties.format,
    timezone_names: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    timezones: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    languages: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    tones: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    // How import-legacy completes the original project's documents of this brand (catalog/legacy.ts).
    legacy: { type: 'object' },
    sources: { type: 'array', items: { type: 'string' } },
    unconfirmed,
    phonebook: { type: 'object', required: ['file', 'format'], additionalProperties: false,
      properties: { file: { type: 'string', pattern: '^[A-Za-z0-9._-]*\\{mac\\}[A-Za-z0-9._-]*$' }, format: { enum: PHONEBOOK_FORMAT_NAMES } } },
  },
};

export const treeSchema = {
  $id: 'tree',
  type: 'object',
  required: ['_id', 'pvt_type', 'data'],
  properties: {
    _id: { const: 'phonetree' },
    pvt_type: { const: 'provisionertree' },
    data: { type: 'object' },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = {
  provisioner: ajv.compile(templateSchema),
  vendor_profile: ajv.compile(profileSchema),
  provisionertree: ajv.compile(treeSchema),
};

export interface SchemaProblem { pointer: string; message: string }

function problemOf(e: ErrorObject): SchemaProblem {
  const params = e.params as Record<string, unknown>;
  const pointer = e.keyword === 'required' ? `${e.instancePath}/${params.missingProperty}`
    : e.keyword === 'additionalProperties' ? `${e.instancePath}/${params.additionalProperty}`
      : e.instancePath || '/';
  const message = e.keyword === 'additionalProperties' ? 'is not a known field'
    : e.keyword === 'enum' ? `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
      : e.message || 'is invalid';
  return { pointer, message };
}

/** Problems with a catalog document, most specific first; [] when it is valid. */
export function validateCatalogDoc(doc: unknown): SchemaProblem[] {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return [{ pointer: '/', message: 'must be a JSON object' }];
  const type = (doc as Record<string, unknown>).pvt_type;
  const validate = validators[type as keyof typeof validators];
  if (!validate) {
    return [{ pointer: '/pvt_type', message: 'must be one of "provisioner", "vendor_profile", "provisionertree"' }];
  }
  if (validate(doc)) return extraChecks(doc as Record<string, unknown>);
  // anyOf/if noise is less useful than the leaf errors; keep those with the deepest pointer first.
  const seen = new Set<string>();
  return (validate.errors || []).filter((e) => e.keyword !== 'anyOf').map(problemOf)
    .filter((p) => !seen.has(p.pointer + p.message) && seen.add(p.pointer + p.message))
    .sort((a, b) => b.pointer.split('/').length - a.pointer.split('/').length);
}

// Rules a JSON Schema cannot express.
function extraChecks(doc: Record<string, unknown>): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (doc.pvt_type === 'provisioner') {
    const expected = `ui/${doc.endpoint_brand}/${doc.endpoint_family}/${doc.endpoint_model}`;
    if (doc._id !== expected) problems.push({ pointer: '/_id', message: `must be "${expected}" (from endpoint_brand/family/model)` });
    if (/^[0-9]+$/.test(String(doc.endpoint_family))) {
      problems.push({ pointer: '/endpoint_family', message: 'must not be purely numeric (Monster UI turns it into a number)' });
    }
    if (doc.name !== undefined && String(doc.name).toLowerCase() !== String(doc.endpoint_model).toLowerCase()) {
      problems.push({ pointer: '/name', message: 'lower-cased, must equal endpoint_model (Monster UI writes the name as the id)' });
    }
    problems.push(...lintTemplate(doc as unknown as TemplateDoc));
  }
  if (doc.pvt_type === 'vendor_profile') {
    if (doc._id !== `profile/${doc.brand}`) problems.push({ pointer: '/_id', message: `must be "profile/${doc.brand}"` });
    if (String(doc.name).toLowerCase() !== doc.brand) {
      problems.push({ pointer: '/name', message: `lower-cased, must equal the brand key "${doc.brand}" (Monster UI writes the name as the id)` });
    }
    const ua = doc.user_agent as { pattern?: string } | undefined;
    if (ua?.pattern) {
      try { new RegExp(ua.pattern); } catch (err) {
        problems.push({ pointer: '/user_agent/pattern', message: `is not a valid regular expression (${(err as Error).message})` });
      }
    }
  }
  return problems;
}

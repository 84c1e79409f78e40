// Shapes of catalog documents as the server uses them (the schemas in schemas.ts are the rules).
import type { SectionName } from './schemas.js';

export interface Capabilities {
  lines: number;
  line_keys: number;
  memory_keys: number;
  expansion_modules: number;
  max_expansion_modules: number;
  expansion_keys: number;
  expansion_module_name?: string;
  shared_transport?: boolean;
}

export interface FileSpec {
  name: string; scope: 'common' | 'device'; sections: SectionName[]; content_type?: string;
  /** Overrides part of the template's format for this file only. */
  format?: FormatSpec;
}

export interface FormatSpec {
  delimiter?: string; quote?: 'none' | 'double'; header?: string | null; footer?: string | null;
  comment_prefix?: string; line_ending?: '\n' | '\r\n'; encoding?: 'utf-8' | 'latin1';
  xml_root?: string; xml_root_attributes?: Record<string, string | number>; xml_declaration?: boolean; duplicates?: 'last' | 'first';
}

export type Section = Record<string, unknown> | null | undefined;

export interface TemplateDoc {
  _id: string; _rev?: string;
  pvt_type: 'provisioner'; pvt_generator: 'json2xml' | 'json2plain'; pvt_counter?: number | string;
  endpoint_brand: string; endpoint_family: string | number; endpoint_model: string | number;
  /** Former model keys (same brand and family) this template also answers to. */
  model_aliases?: string[];
  name?: string | number; family_name?: string;
  capabilities?: Partial<Capabilities>;
  format?: FormatSpec;
  files?: FileSpec[];
  usr_keys?: Record<string, string | number> | null;
  settings?: Record<string, unknown>;
  cfg_account_by_line?: Record<string, Section>;
  sources?: string[];
  unconfirmed?: Unconfirmed[];
  [section: string]: unknown;
}

/** A fact no vendor document settled, and why (shown in the README's brand table). */
export interface Unconfirmed { fact: string; reason: string }

export type KeyTypeSpec = string | { code: string; value?: string; label?: string };

export interface ProfileDoc {
  _id: string; _rev?: string;
  pvt_type: 'vendor_profile'; brand: string; name: string;
  aliases?: string[]; mac_case?: 'lower' | 'upper'; ouis?: string[];
  user_agent?: { pattern: string; mac_required?: boolean };
  content_types?: Record<string, string>;
  key_types?: Partial<Record<'presence' | 'speed_dial' | 'parking' | 'personal_parking' | 'line', KeyTypeSpec>>;
  default_files?: FileSpec[];
  default_format?: FormatSpec;
  timezones?: Record<string, string | number>;
  languages?: Record<string, string | number>;
  tones?: Record<string, string | number>;
  timezone_names?: Record<string, string | number>;
  sources?: string[];
  unconfirmed?: Unconfirmed[];
  /** The brand's remote-phonebook file (server/phonebooks/): its per-phone name and vendor format. */
  phonebook?: { file: string; format: string };
}

/** Capabilities of a template, derived from the original's usr_keys where the document predates them. */
export function capabilitiesOf(t: TemplateDoc): Capabilities {
  const c = t.capabilities || {};
  const u = t.usr_keys || {};
  const num = (v: unknown) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  const suffix = /-(\d)$/.exec(String(t.endpoint_model));
  const legacyModules = suffix ? Number(suffix[1]) : 0;
  const legacyModuleKeys = num(u.setable_module_keys);
  return {
    lines: c.lines ?? 1,
    line_keys: c.line_keys ?? num(u.setable_phone_keys),
    memory_keys: c.memory_keys ?? 0,
    expansion_modules: c.expansion_modules ?? legacyModules,
    max_expansion_modules: c.max_expansion_modules ?? legacyModules,
    expansion_keys: c.expansion_keys ?? (legacyModules ? Math.round(legacyModuleKeys / Math.max(legacyModules, 1)) || legacyModuleKeys : 0),
    expansion_module_name: c.expansion_module_name,
    shared_transport: c.shared_transport,
  };
}

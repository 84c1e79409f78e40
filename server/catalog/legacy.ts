// One template document of the original PHP project → a document this server serves completely.
// The original's documents have no key section (its PHP wrote the keys), placeholders that pointed at
// its own FreePBX scripts, no line count and no file list. Every change is said in `notes`, so an
// operator sees what a phone will get and why (issue 15). Pure functions: the CLI does the I/O.
import { LEGACY_UNSERVED } from '../render/legacy-placeholders.js';
import { mergeXml } from '../render/sections.js';
import { validateCatalogDoc } from './schemas.js';
import type { FileSpec, FormatSpec, ProfileDoc, Section, TemplateDoc } from './types.js';

/** What a vendor profile says about the original's documents of its brand (`legacy` in profile.json). */
export interface LegacyProfile {
  /** Key sections in the vendor's syntax; `[[prefix]]`, `[[counter]]`, `[[module_counter]]` come from usr_keys. */
  key_sections?: Partial<Record<'cfg_linekey' | 'cfg_expkey', Section>>;
  key_prefix?: string; key_counter?: number; module_key_counter?: number;
  /** Key names the brand's phones know; a usr_keys name outside this list is replaced by key_prefix. */
  key_prefixes?: string[];
  /** The files the original served for this brand, with the sections it put in each. */
  files?: FileSpec[];
  /** Per-device provisioning credentials, merged into cfg_behavior (the device file) when missing. */
  credentials?: Section;
  /** Plain documents of a brand whose other documents are XML (snom M3). */
  plain?: { format: FormatSpec; files: FileSpec[] };
}

export interface Converted { doc?: TemplateDoc; skip?: string; notes: string[] }

const SECTION = /^cfg_/;
type Node = Record<string, unknown>;
const isObj = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);
const TOKEN = /\{([A-Z][A-Za-z0-9_]*)\}/g;

function tokensIn(node: unknown): string[] {
  return [...JSON.stringify(node ?? null).matchAll(TOKEN)].map((m) => m[1]);
}

export const isEmptySection = (v: unknown) => v === null || v === undefined || (isObj(v) && Object.keys(v).length === 0);

/** A model name as people write it: "6753" = "6753i", "303G" = "spa303", "snom320" = "320". */
export function modelKey(model: unknown): string {
  return String(model).toLowerCase().replace(/-\d$/, '').replace(/^(snom|spa|kx-?|sip-?)/, '').replace(/[^a-z0-9]/g, '')
    .replace(/(\d)[ig]$/, '$1');
}

/** The template of ours that serves this model (same brand, same model, same module count if we have it). */
export function seededEquivalent(brand: string, model: unknown, templates: TemplateDoc[]): TemplateDoc | undefined {
  const key = modelKey(model);
  const suffix = /-\d$/.exec(String(model))?.[0] || '';
  const same = templates.filter((t) => t.endpoint_brand === brand && t.pvt_seed_hash && modelKey(t.endpoint_model) === key);
  return same.find((t) => String(t.endpoint_model).endsWith(suffix) && (suffix || !/-\d$/.test(String(t.endpoint_model))))
    || same.find((t) => !/-\d$/.test(String(t.endpoint_model))) || same[0];
}

/** Plain sections hold `{ key: {value} }`; anything else is an XML tree. */
function looksPlain(doc: Node): boolean {
  const sections = Object.keys(doc).filter((k) => SECTION.test(k) && isObj(doc[k]));
  return sections.length > 0 && sections.every((k) => Object.values(doc[k] as Node)
    .every((v) => isObj(v) && Object.keys(v).every((x) => x === 'value')));
}

// The key a plain setting belongs to ("prgkey3 type" → "prgkey3", "linekey.2.value" → "linekey.2").
const keyGroup = (name: string) => { const m = /^(.*?key\D*\d+)(?=\D*$)/i.exec(name); return m ? m[1] : null; };

/** Leaves out settings whose token has no meaning on Kazoo, with every setting of the same key. */
function dropUnserved(doc: Node, notes: string[]): void {
  for (const name of Object.keys(doc).filter((k) => SECTION.test(k))) {
    const section = doc[name];
    if (!isObj(section)) continue;
    if (looksPlain({ [name]: section })) {
      const bad = Object.entries(section).filter(([k, v]) => tokensIn([k, v]).some((t) => LEGACY_UNSERVED[t]));
      const groups = new Set(bad.map(([k]) => keyGroup(k)).filter(Boolean));
      for (const [k, v] of bad) {
        const token = tokensIn([k, v]).find((t) => LEGACY_UNSERVED[t])!;
        const group = keyGroup(k);
        const also = group ? Object.keys(section).filter((x) => x !== k && keyGroup(x) === group && !bad.some(([b]) => b === x)) : [];
        notes.push(`left out ${name} "${k.trim()}"${also.length ? ` and the rest of key ${group} (${also.map((x) => `"${x.trim()}"`).join(', ')})` : ''}: {${token}} ${LEGACY_UNSERVED[token]}`);
      }
      for (const k of Object.keys(section)) if (bad.some(([b]) => b === k) || (keyGroup(k) && groups.has(keyGroup(k)))) delete section[k];
    } else {
      doc[name] = pruneXml(section, name, notes);
    }
  }
}

function pruneXml(node: unknown, path: string, notes: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => pruneXml(n, path, notes)).filter((n) => n !== undefined);
  if (!isObj(node)) {
    const token = tokensIn(node).find((t) => LEGACY_UNSERVED[t]);
    if (!token) return node;
    notes.push(`left out ${path}: {${token}} ${LEGACY_UNSERVED[token]}`);
    return undefined;
  }
  const leafToken = tokensIn([node['@value'], node['@attributes']]).find((t) => LEGACY_UNSERVED[t]);
  if (leafToken) {
    notes.push(`left out ${path}: {${leafToken}} ${LEGACY_UNSERVED[leafToken]}`);
    return undefined;
  }
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    const kept = k.startsWith('@') ? v : pruneXml(v, `${path}/${k}`, notes);
    if (kept !== undefined && !(Array.isArray(kept) && kept.length === 0)) out[k] = kept;
  }
  return out;
}

/**
 * Mitel's `language: {LANGUAGE_IDX}` was an index into the `language N: lang_xx.txt` packs the
 * document loads (0 = English), not a file name (Aastra admin guide, Appendix A "Language Settings").
 */
function languageIndex(doc: Node, notes: string[]): void {
  const sections = Object.keys(doc).filter((k) => SECTION.test(k) && isObj(doc[k])).map((k) => doc[k] as Record<string, { value?: string }>);
  const packs: Array<[number, string]> = [];
  for (const s of sections) {
    for (const [k, v] of Object.entries(s)) {
      const m = /^language (\d)$/.exec(k.trim());
      const file = String(v?.value ?? '').trim();
      if (m && /^lang_[a-z_]+\.txt$/.test(file)) packs.push([Number(m[1]), file]);
    }
  }
  let expr = '';
  if (packs.length) {
    expr = packs.map(([n, file], i) => `${i ? '{{else if' : '{{#if'} (eq vendor.language "${file}")}}${n}`).join('') + '{{else}}0{{/if}}';
  }
  for (const s of sections) {
    for (const [k, v] of Object.entries(s)) {
      if (!String(v?.value ?? '').includes('{LANGUAGE_IDX}')) continue;
      if (!packs.length) {
        // No pack loaded: load the user's language as pack 1, as our own Mitel templates do.
        s['language 1'] = { value: ' {{vendor.language}}' };
        expr = '{{#if vendor.language}}1{{else}}0{{/if}}';
      }
      s[k] = { value: String(v.value).replace('{LANGUAGE_IDX}', expr) };
      notes.push(`"${k.trim()}" is the index of a loaded language pack (${packs.length ? packs.map(([n, f]) => `${n}=${f}`).join(', ') : '1 = the user\'s language'}, 0 = English), as the original meant {LANGUAGE_IDX}`);
    }
  }
}

const fill = (node: unknown, vars: Record<string, string>): unknown => JSON.parse(JSON.stringify(node ?? null)
  .replace(/\[\[(prefix|counter|module_counter)\]\]/g, (_, k: string) => vars[k]));

/** The keys the original's PHP wrote from usr_keys, as key sections our renderer fills from Kazoo's keys. */
function keySections(doc: Node, legacy: LegacyProfile, notes: string[]): void {
  const u = (isObj(doc.usr_keys) ? doc.usr_keys : {}) as Record<string, unknown>;
  if (!legacy.key_sections || Number(u.setable_phone_keys || 0) + Number(u.setable_module_keys || 0) <= 0) return;
  const counter = (v: unknown, d = 1) => (/^[0-9]$/.test(String(v ?? '')) ? String(v) : String(d));
  const named = String(u.setable_phone_key_value ?? '');
  const prefix = (legacy.key_prefixes || []).includes(named) ? named : String(legacy.key_prefix || '');
  if (named && legacy.key_prefixes && prefix !== named) notes.push(`usr_keys names "${named}" keys, which these phones do not know: keys written as ${prefix}N`);
  const vars = { prefix, counter: counter(u.setable_phone_key_counter, legacy.key_counter), module_counter: counter(u.setable_module_key_counter, legacy.module_key_counter) };
  for (const [name, section] of Object.entries(legacy.key_sections)) {
    if (!isEmptySection(doc[name])) continue;
    doc[name] = fill(section, vars);
  }
  notes.push(`Kazoo's feature keys go on ${u.setable_phone_keys || 0} phone keys (${prefix || 'keys'} numbered from ${vars.counter})`
    + (Number(u.setable_module_keys) ? ` and ${u.setable_module_keys} expansion-module keys` : '') + ', from usr_keys');
}

function hasCredentials(doc: Node): boolean {
  return /settings\.prov_username/.test(JSON.stringify(Object.fromEntries(Object.entries(doc).filter(([k]) => SECTION.test(k)))));
}

function capabilities(doc: Node, equivalent: TemplateDoc | undefined, family: TemplateDoc[], notes: string[]) {
  const u = (isObj(doc.usr_keys) ? doc.usr_keys : {}) as Record<string, unknown>;
  const num = (v: unknown) => (Number.isInteger(Number(v)) && Number(v) >= 0 ? Number(v) : 0);
  const modules = Number(/-(\d)$/.exec(String(doc.endpoint_model))?.[1] || 0);
  const moduleKeys = num(u.setable_module_keys);
  const known = equivalent?.capabilities?.lines ?? Math.max(0, ...family.map((t) => t.capabilities?.lines ?? 0));
  if (!known) notes.push('line count unknown for this model: serving 1 line (set capabilities.lines to serve more)');
  return {
    lines: known || 1, line_keys: num(u.setable_phone_keys), memory_keys: 0,
    expansion_modules: modules, max_expansion_modules: modules,
    expansion_keys: modules ? Math.round(moduleKeys / modules) || moduleKeys : 0,
  };
}

const rootOf = (doc: Node) => {
  const first = Object.keys(doc).filter((k) => SECTION.test(k)).map((k) => doc[k]).find((v) => isObj(v) && Object.keys(v).length);
  return first ? Object.keys(first as Node).find((k) => !k.startsWith('@')) : undefined;
};

/** Why the document cannot be served the way our template of the brand is, or null. */
function fitsPattern(doc: Node, pattern: TemplateDoc | undefined): string | null {
  if (!pattern?.files) return `no template of ours shows which files ${doc.endpoint_brand} phones fetch; the original never served this brand`;
  const xml = doc.pvt_generator === 'json2xml';
  if (xml !== (pattern.pvt_generator === 'json2xml')) {
    return `${xml ? 'XML' : 'plain'} settings, but ${doc.endpoint_brand} phones read ${xml ? 'plain' : 'XML'} files (as our ${pattern._id} writes them); the original never served it`;
  }
  const want = pattern.format?.xml_root;
  const root = rootOf(doc);
  if (xml && want && root !== want) return `its XML root <${root}> is not what these phones read (<${want}>, as our ${pattern._id} writes); the original never served it`;
  return null;
}

function adoptPattern(doc: Node, pattern: TemplateDoc, notes: string[]): void {
  // Only per-device files: a common file is named after our model, not this one.
  doc.files = (pattern.files || []).filter((f) => f.scope === 'device');
  const { xml_root, xml_root_attributes, ...rest } = pattern.format || {};
  // The original kept the quotes inside its stored values (KEY="value"), and XML roots inside its sections.
  doc.format = doc.pvt_generator === 'json2plain' ? { ...rest, quote: 'none' } : rest;
  const u = isObj(doc.usr_keys) ? doc.usr_keys : {};
  if (!Number(u.setable_phone_keys) && !Number(u.setable_module_keys) && pattern.capabilities) doc.capabilities = { ...pattern.capabilities };
  for (const k of ['cfg_linekey', 'cfg_memkey', 'cfg_expkey']) if (isEmptySection(doc[k]) && !isEmptySection(pattern[k])) doc[k] = pattern[k];
  notes.push(`unconfirmed: the original never served this document; files, format, lines and keys follow our ${pattern._id}`);
}

export function convertLegacy(raw: Node, profile: ProfileDoc | undefined, ours: TemplateDoc[]): Converted {
  const notes: string[] = [];
  const { _rev, views, ...doc } = raw as Node & { _rev?: string; views?: unknown };
  const sections = Object.keys(doc).filter((k) => SECTION.test(k));
  if (!sections.length || sections.every((k) => isEmptySection(doc[k]))) {
    return { skip: 'a stub: all its settings sections are empty, so the original could not serve it either', notes };
  }
  const [, b, f, m] = /^ui\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(String(doc._id)) || [];
  doc.endpoint_brand ??= b; doc.endpoint_family ??= f; doc.endpoint_model ??= m;
  if (!doc.pvt_type) {
    doc.pvt_type = 'provisioner';
    doc.pvt_generator ??= looksPlain(doc) ? 'json2plain' : 'json2xml';
    notes.push(`had no pvt_type (the original never served it); imported as a ${doc.pvt_generator} template`);
  }
  const brand = String(doc.endpoint_brand);
  const legacy = ((profile as unknown as { legacy?: LegacyProfile })?.legacy) || {};
  dropUnserved(doc, notes);
  if (brand === 'mitel') languageIndex(doc, notes);
  const mine = ours.filter((t) => t.endpoint_brand === brand && t.pvt_seed_hash);
  const equivalent = seededEquivalent(brand, doc.endpoint_model, mine);
  const family = mine.filter((t) => String(t.endpoint_family) === String(doc.endpoint_family));
  if (!legacy.files && !profile?.default_files && !doc.files) {
    // A brand the original never served (Cisco, Panasonic): files, format and keys as our own template of it.
    const letters = (m: unknown) => modelKey(m).replace(/[0-9].*$/, '');
    const pattern = equivalent || mine.find((t) => letters(t.endpoint_model) === letters(doc.endpoint_model) && !/-\d$/.test(String(t.endpoint_model)))
      || family.find((t) => !/-\d$/.test(String(t.endpoint_model))) || mine.find((t) => !/-\d$/.test(String(t.endpoint_model)));
    const unfit = fitsPattern(doc, pattern);
    if (unfit) return { skip: unfit, notes };
    adoptPattern(doc, pattern!, notes);
  }
  if (!isObj(doc.capabilities)) doc.capabilities = capabilities(doc, equivalent, family.length ? family : mine, notes);
  keySections(doc, legacy, notes);
  if (doc.pvt_generator === 'json2plain' && legacy.plain && !doc.format) {
    doc.format = legacy.plain.format;
    doc.files ??= legacy.plain.files;
    notes.push(`plain ${brand} document: "${legacy.plain.format.delimiter}" lines in ${legacy.plain.format.encoding || 'utf-8'}, as the original served it`);
  }
  if (!doc.files && legacy.files && !(doc.pvt_generator === 'json2plain' && legacy.plain)) doc.files = legacy.files;
  const plainCreds = !!legacy.credentials && looksPlain({ cfg_x: legacy.credentials });
  if (legacy.credentials && !hasCredentials(doc) && plainCreds === (doc.pvt_generator === 'json2plain')) {
    const current = isObj(doc.cfg_behavior) ? structuredClone(doc.cfg_behavior) : {};
    const creds = structuredClone(legacy.credentials) as Node;
    doc.cfg_behavior = plainCreds ? { ...current, ...creds } : mergeXml(current, creds);
    notes.push('per-device provisioning credentials added to the device file, so the phone can drop pass= from its URL');
  }
  const problems = validateCatalogDoc(doc);
  if (problems.length) return { skip: problems.map((p) => `${p.pointer} ${p.message}`).join('; '), notes };
  return { doc: doc as unknown as TemplateDoc, notes };
}

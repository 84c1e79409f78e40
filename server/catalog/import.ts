// A phone's exported configuration → a template: the original's upload_template_xml/plain, done
// well. Plain lines are split on the FIRST delimiter only (the original cut values containing it);
// XML keeps attributes and repeated elements. The line's SIP credentials become placeholders, and the
// settings that belong to that line go into cfg_account so the template serves any number of lines.
import { XMLParser } from 'fast-xml-parser';
import type { Config } from '../../config.js';
import { badRequest } from '../http/errors.js';
import { commonModel } from '../render/model.js';
import { renderFile } from '../render/pipeline.js';
import type { CatalogCache } from './cache.js';
import type { FileSpec, FormatSpec, TemplateDoc } from './types.js';

export interface ImportInput {
  format: 'xml' | 'plain'; text: string; delimiter?: string; brand: string; family: string; model: string; name?: string;
  line?: { username?: string; password?: string; auth_username?: string; realm?: string; display_name?: string; index?: number };
}
export interface ImportResult { template: TemplateDoc; preview: string; warnings: string[] }

type Line = NonNullable<ImportInput['line']>;
const DELIMITERS = [' = ', ': ', '=', ':'];

function checkInput(i: ImportInput): void {
  if (i.format !== 'xml' && i.format !== 'plain') throw badRequest('data.format must be "xml" or "plain"', { pointer: '/format' });
  if (typeof i.text !== 'string' || !i.text.trim()) throw badRequest('data.text must hold the exported configuration', { pointer: '/text' });
  if (!/^[a-z]+$/.test(String(i.brand))) throw badRequest('data.brand must be plain lowercase letters', { pointer: '/brand' });
  if (!/^[a-z0-9_-]+$/.test(String(i.family))) throw badRequest('data.family must be lowercase letters, digits, _ or -', { pointer: '/family' });
  if (!/^[a-z0-9_-]+$/.test(String(i.model))) throw badRequest('data.model must be lowercase letters, digits, _ or -', { pointer: '/model' });
  if (i.line?.index !== undefined && !(Number.isInteger(i.line.index) && i.line.index >= 1 && i.line.index <= 64)) {
    throw badRequest('data.line.index must be a line number from 1 to 64', { pointer: '/line/index' });
  }
}

/** Values of the line → placeholders: exact values, and secrets also inside longer values. */
function substituter(line: Line) {
  const pairs: Array<[string, string, boolean]> = [];
  const add = (v: string | undefined, ph: string, inside: boolean) => { if (v && v.length >= 3) pairs.push([v, ph, inside]); };
  add(line.password, '{{line.password}}', true);
  if (line.auth_username && line.auth_username !== line.username) add(line.auth_username, '{{line.auth_username}}', true);
  add(line.username, '{{line.username}}', true);
  add(line.display_name, '{{line.display_name}}', false);
  add(line.realm, '{{line.realm}}', false);
  pairs.sort((a, b) => b[0].length - a[0].length);
  return (value: string): string => {
    for (const [v, ph, inside] of pairs) {
      if (value === v) return ph;
      if (inside && value.includes(v)) value = value.split(v).join(ph);
    }
    return value;
  };
}

// The line number as a digit group of its own inside a key ("account.1.password", "SIP_PASS_1", "sip line1 user name").
const numberAt = (key: string, n: number) => {
  const m = new RegExp(`(?<![0-9])${n}(?![0-9])`).exec(key);
  return m ? m.index : -1;
};

/** Keys of one line: those that share the text before the line number with a key that held a credential. */
function lineKeyTest(secretKeys: string[], n: number) {
  const prefixes = new Set<string>();
  const suffixSeps = new Set<string>();
  for (const k of secretKeys) {
    const at = numberAt(k, n);
    if (at < 0) continue;
    prefixes.add(k.slice(0, at));
    if (at + String(n).length === k.length && at > 0) suffixSeps.add(k[at - 1]);
  }
  return (key: string) => {
    const at = numberAt(key, n);
    if (at < 0) return false;
    if (prefixes.has(key.slice(0, at))) return true;
    return at + String(n).length === key.length && at > 0 && suffixSeps.has(key[at - 1]) && /[_-]/.test(key[at - 1]);
  };
}

const withIndex = (key: string, n: number) => {
  const at = numberAt(key, n);
  return at < 0 ? key : `${key.slice(0, at)}{{line.index}}${key.slice(at + String(n).length)}`;
};

function importPlain(i: ImportInput, sub: (v: string) => string, n: number, known: FormatSpec | undefined) {
  const rows = i.text.split(/\r?\n/);
  const warnings: string[] = [];
  let header: string | null = null;
  const first = rows.findIndex((r) => r.trim());
  if (first >= 0 && /^#/.test(rows[first].trim())) header = rows[first].trim();
  const body = rows.filter((r, idx) => idx !== first || !header).filter((r) => r.trim() && !/^\s*(#|;)/.test(r));
  const delimiter = i.delimiter || known?.delimiter
    || DELIMITERS.find((d) => body.filter((r) => r.includes(d)).length >= body.length * 0.8) || ' = ';
  const quoted = body.length > 0 && body.every((r) => { const at = r.indexOf(delimiter); return at >= 0 && /^".*"$/.test(r.slice(at + delimiter.length).trim()); });
  const entries: Array<[string, string]> = [];
  for (const row of body) {
    const at = row.indexOf(delimiter);
    if (at < 0) { warnings.push(`line without "${delimiter}" left out: ${row.slice(0, 60)}`); continue; }
    const key = row.slice(0, at).trim();
    let value = row.slice(at + delimiter.length).trim();
    if (quoted) value = value.slice(1, -1).replace(/\\"/g, '"');
    entries.push([key, sub(value)]);
  }
  const secretKeys = entries.filter(([, v]) => v.includes('{{line.')).map(([k]) => k);
  const isLine = lineKeyTest(secretKeys, n);
  const base: Record<string, { value: string }> = {};
  const account: Record<string, { value: string }> = {};
  for (const [k, v] of entries) {
    if (isLine(k) || v.includes('{{line.')) account[withIndex(k, n)] = { value: v };
    else base[k] = { value: v };
  }
  const format: FormatSpec = { ...(known || {}), delimiter, quote: quoted ? 'double' : 'none', ...(header ? { header } : {}) };
  return { base, account, format, warnings };
}

type Node = Record<string, unknown>;
const INDEX_ATTRS = /^(idx|index|line|account|id)$/i;

function importXml(i: ImportInput, sub: (v: string) => string, n: number, known: FormatSpec | undefined) {
  const parser = new XMLParser({ ignoreAttributes: false, attributesGroupName: '@attributes', attributeNamePrefix: '',
    textNodeName: '@value', parseTagValue: false, parseAttributeValue: false, trimValues: true, ignoreDeclaration: true,
    ignorePiTags: true, processEntities: true });
  let doc: Node;
  try {
    doc = parser.parse(i.text, true) as Node;
  } catch (err) {
    throw badRequest(`data.text is not well-formed XML: ${(err as Error).message}`, { pointer: '/text' });
  }
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  if (!rootName) throw badRequest('data.text has no root element', { pointer: '/text' });
  const root = (typeof doc[rootName] === 'object' ? doc[rootName] : {}) as Node;
  const rootAttrs = (root['@attributes'] || undefined) as Record<string, string> | undefined;

  // Substitute, and remember the names of elements that carried the line's credentials.
  const secretNames: string[] = [];
  const walk = (node: unknown, name: string): unknown => {
    if (Array.isArray(node)) return node.map((x) => walk(x, name));
    if (typeof node === 'string') { const v = sub(node); if (v !== node) secretNames.push(name); return v; }
    if (!node || typeof node !== 'object') return node;
    const out: Node = {};
    for (const [k, v] of Object.entries(node as Node)) {
      if (k === '@attributes') {
        const attrs: Record<string, string> = {};
        for (const [an, av] of Object.entries(v as Record<string, string>)) { const s2 = sub(String(av)); if (s2 !== av) secretNames.push(name); attrs[an] = s2; }
        out[k] = attrs;
      } else if (k === '@value') {
        const s2 = sub(String(v));
        if (s2 !== v) secretNames.push(name);
        out[k] = s2;
      } else out[k] = walk(v, k);
    }
    return out;
  };
  const children = walk(Object.fromEntries(Object.entries(root).filter(([k]) => k !== '@attributes')), rootName) as Node;
  const prefixOf = (name: string) => (/^([A-Za-z]+[_.-])/.exec(name) || [name])[0];
  const linePrefixes = new Set(secretNames.map(prefixOf));
  const lineElement = (name: string, node: unknown) => {
    const attrs = (node && typeof node === 'object' ? (node as Node)['@attributes'] : undefined) as Record<string, string> | undefined;
    const hasIndex = !!attrs && Object.entries(attrs).some(([an, av]) => INDEX_ATTRS.test(an) && av === String(n));
    return (hasIndex && linePrefixes.has(prefixOf(name))) || JSON.stringify(node).includes('{{line.');
  };
  const indexed = (node: unknown) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
    const attrs = (node as Node)['@attributes'] as Record<string, string> | undefined;
    if (!attrs) return node;
    return { ...(node as Node), '@attributes': Object.fromEntries(Object.entries(attrs)
      .map(([an, av]) => [an, INDEX_ATTRS.test(an) && av === String(n) ? '{{line.index}}' : av])) };
  };
  // Split leaves into the shared tree and the per-line tree, keeping each leaf's path.
  const split = (node: Node): { base: Node; account: Node } => {
    const base: Node = {};
    const account: Node = {};
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('@')) { base[k] = v; continue; }
      const items = Array.isArray(v) ? v : [v];
      const b: unknown[] = [];
      const a: unknown[] = [];
      for (const item of items) {
        const isContainer = item && typeof item === 'object' && Object.keys(item as Node).some((x) => !x.startsWith('@'));
        if (isContainer) {
          const parts = split(item as Node);
          const attrsOnly = (x: Node) => Object.keys(x).every((y) => y.startsWith('@'));
          if (!attrsOnly(parts.base)) b.push(parts.base);
          if (Object.keys(parts.account).length) a.push({ ...(item as Node)['@attributes'] ? { '@attributes': (item as Node)['@attributes'] } : {}, ...parts.account });
        } else if (lineElement(k, item)) a.push(indexed(item));
        else b.push(item);
      }
      if (b.length) base[k] = b.length === 1 ? b[0] : b;
      if (a.length) account[k] = a.length === 1 ? a[0] : a;
    }
    return { base, account };
  };
  const { base, account } = split(children);
  const format: FormatSpec = { ...(known || {}), xml_root: rootName, xml_declaration: true,
    ...(rootAttrs ? { xml_root_attributes: rootAttrs } : {}) };
  return { base, account, format, warnings: [] as string[] };
}

export function importConfig(input: ImportInput, catalog: CatalogCache, config: Config): ImportResult {
  checkInput(input);
  const line: Line = input.line || {};
  const n = line.index ?? 1;
  const existing = catalog.template(input.brand, input.family, input.model);
  const profile = catalog.profile(input.brand);
  const known = existing?.format || profile?.default_format;
  const sub = substituter(line);
  const parsed = input.format === 'xml' ? importXml(input, sub, n, known) : importPlain(input, sub, n, known);
  const sections = ['cfg_base', 'cfg_account'] as const;
  const files: FileSpec[] = existing?.files || profile?.default_files
    || [{ name: `{mac}.${input.format === 'xml' ? 'xml' : 'cfg'}`, scope: 'device', sections: [...sections] }];
  // The imported settings must reach the phone: make sure the device file carries both sections.
  const withSections = files.map((f) => (f.scope === 'device' && !sections.every((x) => f.sections.includes(x))
    ? { ...f, sections: [...new Set([...sections, ...f.sections])] } : f));
  const template: TemplateDoc = {
    ...(existing || {}),
    _id: `ui/${input.brand}/${input.family}/${input.model}`, pvt_type: 'provisioner',
    pvt_generator: input.format === 'xml' ? 'json2xml' : 'json2plain',
    endpoint_brand: input.brand, endpoint_family: input.family, endpoint_model: input.model,
    name: input.name || String(existing?.name ?? input.model),
    capabilities: existing?.capabilities || { lines: 1 },
    format: parsed.format, files: withSections,
    cfg_base: parsed.base, cfg_account: parsed.account,
    sources: [...new Set([...((existing?.sources as string[]) || []), 'imported from a phone export'])],
  };
  delete (template as Record<string, unknown>)._rev;
  delete (template as Record<string, unknown>).pvt_seed_hash;
  return { template, preview: previewOf(template, line, n, config, catalog), warnings: parsed.warnings };
}

/** The device file rendered with the given line's values: what the phone would get back. */
export function previewOf(t: TemplateDoc, line: Line, n: number, config: Config, catalog: CatalogCache): string {
  const profile = catalog.profile(t.endpoint_brand);
  const model = commonModel(config, t, profile);
  model.lines = [{ index: n, index0: n - 1, enabled: true, username: line.username || 'user', auth_username: line.auth_username || line.username || 'user',
    password: line.password || 'password', realm: line.realm || '', proxy: line.realm || '', port: 5060, transport: 'udp', expire: 360,
    display_name: line.display_name || '', extension: '', label: '', voicemail_number: '*97', srtp: false, codecs: [], device_id: '', key_slot: n }];
  const file = (t.files || []).find((f) => f.scope === 'device') || { name: '{mac}', scope: 'device' as const, sections: ['cfg_base', 'cfg_account'] as never };
  return renderFile(t, profile, { ...file, sections: ['cfg_base', 'cfg_account'] }, file.name, model).body.toString('utf8');
}

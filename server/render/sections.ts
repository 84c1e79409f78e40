// Renders a template's sections against the model: shared sections once (with the FIRST line in
// scope), cfg_account once per line, key sections once per placed key. Plain sections become ordered
// key/value entries; XML sections become one merged element tree.
import type { SectionName } from '../catalog/schemas.js';
import type { Section, TemplateDoc } from '../catalog/types.js';
import type { RenderModel } from './model.js';
import { renderValue, UnfilledPlaceholder } from './values.js';

export type Ctx = Record<string, any>;
export interface Unit { section: Section; ctx: Ctx; name: SectionName }

/** Which section bodies to render, in file order, each with its context. */
export function sectionUnits(t: TemplateDoc, names: SectionName[], model: RenderModel): Unit[] {
  const units: Unit[] = [];
  const base: Ctx = { ...model, line: model.lines[0] };
  for (const name of names) {
    if (name === 'cfg_account') {
      for (const line of model.lines) {
        const section = (t.cfg_account_by_line?.[String(line.index)] ?? t.cfg_account) as Section;
        units.push({ section, ctx: { ...model, line }, name });
      }
    } else if (name === 'cfg_linekey' || name === 'cfg_memkey' || name === 'cfg_expkey') {
      const keys = name === 'cfg_linekey' ? model.keys.phone : name === 'cfg_memkey' ? model.keys.memory : model.keys.module;
      for (const key of keys) units.push({ section: t[name] as Section, ctx: { ...model, key, line: model.lines[key.line - 1] || model.lines[0] }, name });
    } else if (name === 'cfg_keys') {
      // The original project's documents call it cfg_key.
      units.push({ section: (t.cfg_keys ?? t.cfg_key) as Section, ctx: base, name });
    } else {
      units.push({ section: t[name] as Section, ctx: base, name });
    }
  }
  return units.filter((u) => u.section && typeof u.section === 'object');
}

/** Renders one string; an unfillable placeholder is reported and the setting left out. */
function value(source: unknown, ctx: Ctx, problems: string[]): string | null {
  try {
    return renderValue(source, ctx);
  } catch (err) {
    if (err instanceof UnfilledPlaceholder) {
      problems.push(err.message);
      return null;
    }
    throw err;
  }
}

// A value must not break out of its line or element: phones read line-based files.
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

export function renderPlain(units: Unit[], problems: string[], keep: 'last' | 'first' = 'last'): Array<[string, string]> {
  const out = new Map<string, string>();
  for (const { section, ctx } of units) {
    for (const [rawKey, spec] of Object.entries(section as Record<string, unknown>)) {
      const s = spec && typeof spec === 'object' ? (spec as { value?: unknown; omit_empty?: boolean }) : { value: spec };
      const key = value(rawKey, ctx, problems);
      const v = value(s.value, ctx, problems);
      if (key === null || v === null || !key.trim()) continue;
      if (s.omit_empty && v === '') continue;
      // One line per key: later sections override earlier ones in the first one's position, unless
      // the vendor applies the first occurrence (Panasonic), then the first one stays.
      const k = oneLine(key);
      if (keep === 'first' && out.has(k)) continue;
      out.set(k, oneLine(v));
    }
  }
  return [...out.entries()];
}

type XmlNode = Record<string, unknown>;
// Marks an element that repeats instead of merging with a same-named sibling (a Polycom directory
// <item> per speed dial). A symbol, so the XML writer never sees it.
const REPEAT = Symbol('repeat');

function renderNode(node: unknown, ctx: Ctx, problems: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => renderNode(n, ctx, problems)).filter((n) => n !== undefined);
  if (node === null || node === undefined) return '';
  if (typeof node !== 'object') {
    const v = value(node, ctx, problems);
    return v === null ? undefined : v;
  }
  const src = node as XmlNode;
  // An element that is written only when its condition renders non-empty (and not "false"): one
  // per-key section can then write a key type in one file and another type in another.
  if ('@when' in src) {
    const when = value(src['@when'], ctx, problems);
    if (!when || !when.trim() || when.trim() === 'false') return undefined;
  }
  const out: XmlNode = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '@omit_empty' || k === '@when' || k === '@repeat') continue;
    if (k === '@attributes') {
      const attrs: Record<string, string> = {};
      for (const [an, av] of Object.entries((v || {}) as Record<string, unknown>)) {
        const name = value(an, ctx, problems);
        const val = value(av, ctx, problems);
        if (name !== null && val !== null) attrs[name] = val;
      }
      out[k] = attrs;
    } else if (k === '@value') {
      const val = value(v, ctx, problems);
      if (val === null) return undefined;
      if (src['@omit_empty'] && val === '') return undefined;
      out[k] = val;
    } else {
      const name = value(k, ctx, problems);
      const child = renderNode(v, ctx, problems);
      if (name !== null && child !== undefined) out[name] = child;
    }
  }
  if (src['@repeat'] === true) Object.assign(out, { [REPEAT]: true });
  return out;
}

const isContainer = (n: unknown): n is XmlNode =>
  !!n && typeof n === 'object' && !Array.isArray(n) && !(REPEAT in n) && Object.keys(n).some((k) => !k.startsWith('@'));
// Two elements are the same element unless an attribute both carry differs (<line index="1"> vs
// <line index="2">); <phone-settings e="2"> and a bare <phone-settings> are one.
const compatible = (a: XmlNode, b: XmlNode) => {
  const x = (a['@attributes'] || {}) as Record<string, unknown>;
  const y = (b['@attributes'] || {}) as Record<string, unknown>;
  return Object.keys(x).every((k) => !(k in y) || x[k] === y[k]);
};

/**
 * Merges b into a. Same-named containers with compatible attributes become one element (e.g. several
 * sections each contributing to <phone-settings>); anything else with the same name repeats.
 */
export function mergeXml(a: XmlNode, b: XmlNode): XmlNode {
  for (const [k, v] of Object.entries(b)) {
    if (!(k in a)) { a[k] = v; continue; }
    if (k.startsWith('@')) { a[k] = k === '@attributes' ? { ...(a[k] as object), ...(v as object) } : v; continue; }
    const cur = a[k];
    if (isContainer(cur) && isContainer(v) && compatible(cur, v)) {
      a[k] = mergeXml({ ...cur }, v);
    } else {
      a[k] = [...(Array.isArray(cur) ? cur : [cur]), ...(Array.isArray(v) ? v : [v])];
    }
  }
  return a;
}

export function renderXmlTree(units: Unit[], problems: string[]): XmlNode {
  let tree: XmlNode = {};
  for (const { section, ctx } of units) {
    const rendered = renderNode(section, ctx, problems);
    if (rendered && typeof rendered === 'object' && !Array.isArray(rendered)) tree = mergeXml(tree, rendered as XmlNode);
  }
  return tree;
}

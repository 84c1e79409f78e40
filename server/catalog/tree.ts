// The brand tree `phonetree` (what Monster UI's model picker reads) is derived from the template
// documents and rewritten after every template change, so the two never disagree.
import type { DocumentScope } from 'nano';
import { getOrNull, statusOf } from '../couch/client.js';
import { sameContent } from '../couch/design-docs.js';

export interface TreeModel { id: string; name: string; template_id: string }
export interface TreeFamily { id: string; name: string; models: Record<string, TreeModel> }
export interface TreeBrand { id: string; name: string; families: Record<string, TreeFamily> }
export type Tree = Record<string, TreeBrand>;

interface TemplateLike {
  _id: string; endpoint_brand: string; endpoint_family: string | number; endpoint_model: string | number;
  name?: string | number; family_name?: string; capabilities?: { expansion_modules?: number };
}
interface ProfileLike { brand: string; name: string }

export function modelKey(s: string | number): string {
  return String(s).toLowerCase();
}

export function buildTree(templates: TemplateLike[], profiles: ProfileLike[]): Tree {
  const brandNames = new Map(profiles.map((p) => [p.brand, p.name]));
  const tree: Tree = {};
  // Numbers in keys compare as numbers (IP430 before IP4000); a variant `t46s-1` follows its base.
  const sorted = [...templates].sort((a, b) => a._id.localeCompare(b._id, 'en', { numeric: true }));
  for (const t of sorted) {
    const brand = t.endpoint_brand;
    const family = modelKey(t.endpoint_family);
    const model = modelKey(t.endpoint_model);
    const b = (tree[brand] ||= { id: brand, name: brandNames.get(brand) || brand, families: {} });
    const f = (b.families[family] ||= { id: `${brand}_${family}`, name: t.family_name || family.toUpperCase(), models: {} });
    const id = `${brand}_${family}_${model}`;
    const name = String(t.name ?? t.endpoint_model).toUpperCase() === model.toUpperCase() ? String(t.name ?? model) : model;
    f.models[model] = { id, name: variantName(name, t.capabilities?.expansion_modules), template_id: id };
  }
  return tree;
}

/**
 * The original project's expansion-module variants (`T46S-2`: the T46S with two modules attached)
 * read as what they are in a picker: "T46S + 2 modules".
 */
export function variantName(name: string, modules: number | undefined): string {
  const m = /^(.+)-(\d)$/.exec(name);
  if (!m || !modules || Number(m[2]) !== modules) return name;
  return `${m[1]} + ${modules} module${modules === 1 ? '' : 's'}`;
}

/** Rebuilds phonetree from the catalog; returns the new document, or null when unchanged. Safe to race: retried on conflict. */
export async function refreshTree(db: DocumentScope<any>): Promise<Record<string, unknown> | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await db.view('provisioner', 'by_type', { keys: ['provisioner', 'vendor_profile'], include_docs: true, reduce: false });
    const docs = res.rows.map((r) => r.doc as Record<string, unknown>);
    const tree = buildTree(docs.filter((d) => d.pvt_type === 'provisioner') as unknown as TemplateLike[],
      docs.filter((d) => d.pvt_type === 'vendor_profile') as unknown as ProfileLike[]);
    const current = await getOrNull(db, 'phonetree');
    const next = { _id: 'phonetree', pvt_type: 'provisionertree', data: tree };
    if (current && sameContent(current, next)) return null;
    try {
      const res = await db.insert(current ? { ...next, _rev: current._rev } : next);
      return { ...next, _rev: res.rev };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
  }
  throw new Error('phonetree: could not be written after 5 conflicting attempts');
}

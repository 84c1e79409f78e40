// import-legacy's plan: for each document of the original's brand_provisioner folder, what would
// happen (create, replace, unchanged, skip) and why. Nothing is written here; the CLI shows the plan
// (a dry run by default) and writes it with --apply.
import { sameContent } from '../couch/design-docs.js';
import { convertLegacy, isEmptySection, modelKey, seededEquivalent } from './legacy.js';
import { contentHash } from './seed.js';
import type { ProfileDoc, TemplateDoc } from './types.js';

export type Action = 'create' | 'replace' | 'unchanged' | 'skip';
export interface PlanEntry {
  id: string; file: string; action: Action;
  /** Why skipped or what a replacement overwrites; what the operator can do. */
  reason?: string; advice?: string;
  notes: string[];
  doc?: TemplateDoc;
  /** The document it replaces (its revision stays in CouchDB's history). */
  current?: TemplateDoc;
}

export interface LegacyFile { file: string; doc: Record<string, unknown> }

const sections = (d: Record<string, unknown>) => Object.keys(d).filter((k) => k.startsWith('cfg_'));
const hasContent = (d: Record<string, unknown>) => sections(d).some((k) => !isEmptySection(d[k]));

/** Another document of the set for the same brand and model, one the original could serve. */
function duplicateOf(f: LegacyFile, all: LegacyFile[]): string | undefined {
  const [, b, , m] = String(f.doc._id).split('/');
  return all.find((o) => o !== f && o.doc.pvt_type && hasContent(o.doc) && String(o.doc._id).split('/')[1] === b
    && modelKey(String(o.doc._id).split('/')[3]) === modelKey(m) && /-\d$/.test(String(o.doc._id)) === /-\d$/.test(m))?.doc._id as string | undefined;
}

export function isSeeded(doc: TemplateDoc | undefined): boolean {
  return !!doc?.pvt_seed_hash && doc.pvt_seed_hash === contentHash(doc as unknown as Record<string, unknown>);
}

export function planLegacyImport(files: LegacyFile[], current: Map<string, TemplateDoc>, profiles: Map<string, ProfileDoc>): PlanEntry[] {
  const ours = [...current.values()];
  return files.map((f): PlanEntry => {
    const id = String(f.doc._id);
    const brand = id.split('/')[1];
    const model = id.split('/')[3];
    const found = seededEquivalent(brand, model, ours);
    const instead = found?._id === id ? undefined : found;
    const insteadText = instead ? `our seeded template ${instead._id} serves this model: set the devices' model to ${instead.endpoint_family}/${instead.endpoint_model} in Monster UI` : '';
    const dup = !f.doc.pvt_type ? duplicateOf(f, files) : undefined;
    if (dup) {
      return { id, file: f.file, action: 'skip', notes: [], reason: `a copy of ${dup} without pvt_type`,
        advice: `devices of this model are served by ${dup} once imported; point any device that names ${id.slice(3)} at ${dup.slice(3)}` };
    }
    const converted = convertLegacy(f.doc, profiles.get(brand), ours);
    if (!converted.doc) {
      return { id, file: f.file, action: 'skip', notes: [], reason: converted.skip,
        advice: insteadText || 'nothing in our catalog serves this model yet: add a template (npm run catalog -- import, or the Monster app) before moving its phones' };
    }
    const doc = converted.doc;
    if (insteadText) converted.notes.push(`also: ${insteadText} (keys, lines and files checked against the vendor's guide)`);
    const existing = current.get(id);
    if (!existing) return { id, file: f.file, action: 'create', notes: converted.notes, doc };
    if (sameContent(strip(existing), strip(doc))) return { id, file: f.file, action: 'unchanged', notes: converted.notes, doc };
    const what = isSeeded(existing)
      ? `our seeded template (with its ${[existing.files && 'files', existing.capabilities && 'capabilities', existing.format && 'format', existing.cfg_linekey && 'key sections'].filter(Boolean).join(', ')})`
      : 'a document changed since setup wrote it (an operator\'s or an earlier import\'s)';
    return { id, file: f.file, action: 'replace', notes: converted.notes, doc, current: existing,
      reason: `replaces ${what}`, advice: `undo with: npm run catalog -- revert ${id}` };
  });
}

function strip(d: TemplateDoc): Record<string, unknown> {
  const { _rev, pvt_seed_hash, pvt_replaced_rev, ...rest } = d as Record<string, unknown>;
  return rest;
}

// Loads seed-brands/ into the catalog. A template or profile an operator has changed since setup
// wrote it is left alone (unless forced): setup remembers the hash of what it wrote. A template
// renamed in the seed (its old key in `model_aliases`) replaces the old document only where setup
// wrote that one and nobody changed it since; a changed one stays, and wins for its old key.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentScope } from 'nano';
import { validateCatalogDoc } from './schemas.js';
import { bulkInChunks } from '../couch/client.js';

export interface SeedDoc { _id: string; pvt_type: string; [k: string]: unknown }
export interface SeedReport { created: string[]; updated: string[]; unchanged: string[]; kept: string[]; retired: string[] }

export class SeedError extends Error {}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listJson(path));
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

/** Reads and validates every seed document; throws naming the file and field of the first bad one. */
export function readSeedDocs(dir: string): SeedDoc[] {
  const docs: SeedDoc[] = [];
  const ids = new Map<string, string>();
  for (const path of listJson(dir)) {
    let doc: SeedDoc;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new SeedError(`${path}: not valid JSON (${(err as Error).message})`);
    }
    const problems = validateCatalogDoc(doc);
    if (problems.length) {
      throw new SeedError(`${path}: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`);
    }
    if (ids.has(doc._id)) throw new SeedError(`${path}: _id ${doc._id} is also used by ${ids.get(doc._id)}`);
    ids.set(doc._id, path);
    docs.push(doc);
  }
  return docs;
}

export function contentHash(doc: Record<string, unknown>): string {
  const { _rev, pvt_seed_hash, ...rest } = doc;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function loadSeed(db: DocumentScope<any>, docs: SeedDoc[], force: boolean): Promise<SeedReport> {
  const report: SeedReport = { created: [], updated: [], unchanged: [], kept: [], retired: [] };
  if (!docs.length) return report;
  const existing = await db.fetch({ keys: docs.map((d) => d._id) });
  const writes: Record<string, unknown>[] = [];
  docs.forEach((seed, i) => {
    const row = existing.rows[i] as { doc?: Record<string, unknown> | null };
    const current = row && 'doc' in row ? row.doc : null;
    const seedHash = contentHash(seed);
    const next = { ...seed, pvt_seed_hash: seedHash };
    if (!current) {
      writes.push(next);
      report.created.push(seed._id);
      return;
    }
    const operatorChanged = current.pvt_seed_hash !== contentHash(current);
    if (current.pvt_seed_hash === seedHash && !operatorChanged) {
      report.unchanged.push(seed._id);
    } else if (operatorChanged && !force) {
      report.kept.push(seed._id);
    } else {
      writes.push({ ...next, _rev: current._rev });
      report.updated.push(seed._id);
    }
  });
  writes.push(...await retiredByRename(db, docs, report));
  if (writes.length) {
    const results = await bulkInChunks(db, writes);
    const failed = results.filter((r) => r.error);
    if (failed.length) {
      const err = new SeedError(`catalog write failed for ${failed.map((r) => `${r.id} (${r.error}: ${r.reason})`).join(', ')}`);
      // Only conflicts: another instance seeded at the same moment; bootstrap runs again and finds its writes.
      if (failed.every((r) => r.error === 'conflict')) Object.assign(err, { statusCode: 409 });
      throw err;
    }
  }
  return report;
}

/** Deletions of seed-written documents whose model the seed now names differently (model_aliases). */
async function retiredByRename(db: DocumentScope<any>, docs: SeedDoc[], report: SeedReport): Promise<Record<string, unknown>[]> {
  const seedIds = new Set(docs.map((d) => d._id));
  const oldIds = docs.flatMap((d) => (d.pvt_type === 'provisioner' && Array.isArray(d.model_aliases)
    ? (d.model_aliases as string[]).map((a) => `ui/${d.endpoint_brand}/${d.endpoint_family}/${a}`) : []))
    .filter((id) => !seedIds.has(id));
  if (!oldIds.length) return [];
  const rows = (await db.fetch({ keys: oldIds })).rows as Array<{ id?: string; doc?: Record<string, unknown> | null }>;
  const deletions: Record<string, unknown>[] = [];
  for (const row of rows) {
    const current = row.doc;
    if (!current) continue;
    if (current.pvt_seed_hash && current.pvt_seed_hash === contentHash(current)) {
      deletions.push({ _id: current._id, _rev: current._rev, _deleted: true });
      report.retired.push(String(current._id));
    } else {
      report.kept.push(String(current._id));
    }
  }
  return deletions;
}

// Creates our databases, syncs design documents and loads the catalog seed. Idempotent: a second
// run writes nothing. Used by setup.ts and by `npm start` before it listens.
import { fileURLToPath } from 'node:url';
import { designDocs } from '../design-docs/index.js';
import { ensureDb, statusOf } from './couch/client.js';
import { syncDesignDoc, type SyncOutcome } from './couch/design-docs.js';
import { loadSeed, readSeedDocs, type SeedReport } from './catalog/seed.js';
import { refreshTree } from './catalog/tree.js';
import type { AppContext } from './context.js';

export const SEED_DIR = fileURLToPath(new URL('../seed-brands/', import.meta.url));

export interface BootstrapReport {
  databases: Record<string, 'created' | 'exists'>;
  designDocs: Record<string, SyncOutcome>;
  catalog: SeedReport;
  treeChanged: boolean;
}

export async function bootstrap(ctx: AppContext, opts: { forceTemplates?: boolean; seedDir?: string } = {}): Promise<BootstrapReport> {
  // Several instances starting together on one CouchDB race for the same writes; the loser of a
  // write gets a 409, and running again (idempotent) finds the winner's documents in place.
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootstrapOnce(ctx, opts);
    } catch (err) {
      if (statusOf(err) !== 409 || attempt >= 5) throw err;
      ctx.log.info({ attempt }, 'bootstrap raced another instance; running it again');
    }
  }
}

async function bootstrapOnce(ctx: AppContext, opts: { forceTemplates?: boolean; seedDir?: string }): Promise<BootstrapReport> {
  const seedDocs = readSeedDocs(opts.seedDir || SEED_DIR); // fail on a bad seed before touching CouchDB
  const databases: BootstrapReport['databases'] = {};
  for (const name of [ctx.names.catalog, ctx.names.state]) {
    databases[name] = (await ensureDb(ctx.couch.server, name)) ? 'created' : 'exists';
  }
  const dbFor = { catalog: ctx.catalogDb, state: ctx.stateDb };
  const designResults: BootstrapReport['designDocs'] = {};
  for (const { db, doc } of designDocs) {
    designResults[`${ctx.names[db]}/${doc._id}`] = await syncDesignDoc(dbFor[db], doc);
  }
  // Every template at once: a read (and write) of many documents, with the bulk timeout.
  const catalog = await loadSeed(ctx.bulk.catalogDb, seedDocs, !!opts.forceTemplates);
  const treeChanged = (await refreshTree(ctx.bulk.catalogDb)) !== null;
  return { databases, designDocs: designResults, catalog, treeChanged };
}

export function summarize(r: BootstrapReport): string[] {
  const lines: string[] = [];
  for (const [db, state] of Object.entries(r.databases)) lines.push(`database ${db}: ${state}`);
  for (const [id, state] of Object.entries(r.designDocs)) lines.push(`design doc ${id}: ${state}`);
  const c = r.catalog;
  lines.push(`catalog: ${c.created.length} created, ${c.updated.length} updated, ${c.unchanged.length} unchanged, `
    + `${c.kept.length} kept (changed by an operator; --force-templates overwrites)`);
  for (const id of c.kept) lines.push(`  kept ${id}`);
  if (c.retired.length) lines.push(`catalog: ${c.retired.length} renamed models' old documents removed (their keys answer as aliases)`);
  lines.push(`brand tree: ${r.treeChanged ? 'updated' : 'unchanged'}`);
  return lines;
}

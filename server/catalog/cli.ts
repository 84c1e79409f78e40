// `npm run catalog -- <command>`: validate seed files, import a phone's export or the original
// project's documents, export the catalog to files.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SEED_DIR } from '../bootstrap.js';
import { flagValue, loadCliConfig, runCli, UsageError, withCouch } from '../cli.js';
import { CatalogCache } from './cache.js';
import { importConfig, type ImportInput } from './import.js';
import { readSeedDocs } from './seed.js';
import { planLegacyImport, type Action, type LegacyFile } from './legacy-import.js';
import type { ProfileDoc, TemplateDoc } from './types.js';
import { bulkInChunks, getOrNull } from '../couch/client.js';
import { CatalogStore } from './store.js';
import { refreshTree } from './tree.js';
import { HttpError } from '../http/errors.js';

const USAGE = `usage: npm run catalog -- <command>
  validate [DIR]                          check every document of a seed folder (default: seed-brands/)
  import --file F --brand B --family F --model M [--format xml|plain] [--delimiter D]
         [--username U --password P [--line N]] [--name NAME] [--save]
                                          turn a phone's exported config into a template; prints it, saves with --save
  import-legacy DIR [--apply] [--skip-existing]
                                          the original project's DB_INSTALL/brand_provisioner documents: lists what
                                          would be created, replaced or skipped and why; writes only with --apply
  revert ID                               put back the document import-legacy replaced (its previous revision)
  export DIR                              write every template and vendor profile to DIR as JSON files
With no COUCHDB_URL the embedded server on DATA_DIR is used: stop \`npm start\` first, or use the API.`;

async function cmdImport(argv: string[]): Promise<number> {
  const file = flagValue(argv, '--file');
  if (!file) throw new UsageError(`import needs --file\n${USAGE}`);
  const text = readFileSync(file, 'utf8');
  const format = (flagValue(argv, '--format') || (/^\s*</.test(text) ? 'xml' : 'plain')) as 'xml' | 'plain';
  const input: ImportInput = {
    format, text, delimiter: flagValue(argv, '--delimiter'), brand: flagValue(argv, '--brand') || '',
    family: flagValue(argv, '--family') || '', model: flagValue(argv, '--model') || '', name: flagValue(argv, '--name'),
    line: { username: flagValue(argv, '--username'), password: flagValue(argv, '--password'),
      index: flagValue(argv, '--line') ? Number(flagValue(argv, '--line')) : undefined },
  };
  return withCouch(loadCliConfig(argv), async (app) => {
    const cache = new CatalogCache(app);
    await cache.start();
    try {
      const result = importConfig(input, cache, app.config);
      for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
      if (argv.includes('--save')) {
        const store = new CatalogStore(app, cache);
        const existing = cache.templateById(result.template._id);
        const saved = await store.save(existing ? { ...result.template, _rev: existing._rev } : result.template, existing ? 'update' : 'create');
        process.stdout.write(`saved ${saved._id} (${existing ? 'updated' : 'created'})\n`);
      } else {
        process.stdout.write(JSON.stringify(result.template, null, 2) + '\n');
        process.stderr.write(`--- preview of the rendered file ---\n${result.preview}`);
      }
      return 0;
    } catch (err) {
      if (err instanceof HttpError) throw new UsageError(`import: ${err.message}`);
      throw err;
    } finally {
      await cache.stop();
    }
  });
}

async function cmdImportLegacy(argv: string[], dir: string | undefined): Promise<number> {
  if (!dir) throw new UsageError(`import-legacy needs the folder of the original's documents\n${USAGE}`);
  // The original names each file after its URL-encoded document id; its tree and design doc are ours to derive.
  const files: LegacyFile[] = [];
  const others: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const id = decodeURIComponent(name.replace(/\.json$/, ''));
    if (!id.startsWith('ui/')) { others.push(id); continue; }
    files.push({ file: name, doc: JSON.parse(readFileSync(join(dir, name), 'utf8')) });
  }
  const apply = argv.includes('--apply');
  return withCouch(loadCliConfig(argv), async (app) => {
    const all = await app.catalogDb.list({ include_docs: true });
    const current = new Map<string, TemplateDoc>();
    const profiles = new Map<string, ProfileDoc>();
    for (const row of all.rows) {
      const d = row.doc as Record<string, any> | undefined;
      if (d?.pvt_type === 'provisioner') current.set(d._id, d as TemplateDoc);
      if (d?.pvt_type === 'vendor_profile') profiles.set(d.brand, d as ProfileDoc);
    }
    let plan = planLegacyImport(files, current, profiles);
    if (argv.includes('--skip-existing')) {
      plan = plan.map((e) => (e.action === 'replace' ? { ...e, action: 'skip', reason: `exists in the catalog (${e.reason}); kept because of --skip-existing`, advice: undefined } : e));
    }
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(apply ? 'import-legacy: writing' : 'import-legacy: dry run, nothing is written (add --apply to write)');
    for (const e of plan) {
      out(`${e.action.padEnd(9)} ${e.id}${e.reason ? `: ${e.reason}` : ''}`);
      if (e.advice) out(`          what to do: ${e.advice}`);
      for (const n of e.notes) out(`          - ${n}`);
    }
    for (const id of others) out(`not read  ${id}: ${id === 'phonetree' ? 'the brand tree is rebuilt from the catalog' : 'ours replaces the original\'s design document'}`);
    const count = (a: Action) => plan.filter((e) => e.action === a).length;
    out(`${count('create')} to create, ${count('replace')} to replace, ${count('unchanged')} unchanged, ${count('skip')} skipped`);
    if (!apply) return 0;
    const writes = plan.filter((e) => e.action === 'create' || e.action === 'replace').map((e) => (e.current
      // The replaced document stays in CouchDB's revision history; revert finds it by this field.
      ? { ...e.doc, _rev: e.current._rev, pvt_replaced_rev: e.current._rev } : e.doc));
    let failed = 0;
    if (writes.length) {
      const res = await bulkInChunks(app.catalogDb, writes as Array<Record<string, unknown>>);
      for (const r of res.filter((x) => x.error)) { failed++; process.stderr.write(`not written ${r.id}: ${r.error} ${r.reason}\n`); }
    }
    await refreshTree(app.catalogDb);
    out(`imported ${writes.length - failed} templates${failed ? `, ${failed} failed` : ''}`);
    return failed ? 1 : 0;
  });
}

/** Puts back the document an import replaced, from CouchDB's revision history. */
async function cmdRevert(argv: string[], id: string | undefined): Promise<number> {
  if (!id) throw new UsageError(`revert needs a template id\n${USAGE}`);
  return withCouch(loadCliConfig(argv), async (app) => {
    const doc = await getOrNull(app.catalogDb as never, id) as Record<string, any> | null;
    if (!doc?.pvt_replaced_rev) throw new UsageError(`revert: ${id} was not replaced by import-legacy`);
    const old = await getOrNull(app.catalogDb as never, id, { rev: doc.pvt_replaced_rev }) as Record<string, any> | null;
    if (!old) {
      throw new UsageError(`revert: revision ${doc.pvt_replaced_rev} of ${id} is gone (database compacted); `
        + 'a seeded template comes back with npm run setup -- --force-templates');
    }
    await app.catalogDb.insert({ ...old, _rev: doc._rev });
    process.stdout.write(`reverted ${id} to revision ${doc.pvt_replaced_rev}\n`);
    return 0;
  });
}

async function cmdExport(argv: string[], dir: string | undefined): Promise<number> {
  if (!dir) throw new UsageError(`export needs a target folder\n${USAGE}`);
  return withCouch(loadCliConfig(argv), async (app) => {
    const all = await app.catalogDb.list({ include_docs: true });
    let n = 0;
    for (const row of all.rows) {
      const doc = row.doc as Record<string, any> | undefined;
      if (!doc || (doc.pvt_type !== 'provisioner' && doc.pvt_type !== 'vendor_profile')) continue;
      const { _rev, pvt_seed_hash, ...clean } = doc;
      const path = doc.pvt_type === 'vendor_profile' ? join(dir, doc.brand, 'profile.json')
        : join(dir, doc.endpoint_brand, String(doc.endpoint_family), `${doc.endpoint_model}.json`);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, JSON.stringify(clean, null, 2) + '\n');
      n++;
    }
    process.stdout.write(`exported ${n} documents to ${resolve(dir)}\n`);
    return 0;
  });
}

const VALUE_FLAGS = new Set(['--file', '--brand', '--family', '--model', '--format', '--delimiter', '--username', '--password',
  '--line', '--name', '--config']);

async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv.filter((a, i) => !a.startsWith('--') && !VALUE_FLAGS.has(argv[i - 1]));
  switch (command) {
    case 'validate': {
      const dir = arg || SEED_DIR;
      const docs = readSeedDocs(dir); // throws naming the file and the field
      process.stdout.write(`${docs.length} documents in ${basename(resolve(dir))}/ are valid\n`);
      return 0;
    }
    case 'import': return cmdImport(argv);
    case 'import-legacy': return cmdImportLegacy(argv, arg);
    case 'revert': return cmdRevert(argv, arg);
    case 'export': return cmdExport(argv, arg);
    default:
      throw new UsageError(USAGE);
  }
}

runCli('catalog', main);

// `npm run catalog -- <command>`: validate seed files, import a phone's export or the original
// project's documents, export the catalog to files.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SEED_DIR } from '../bootstrap.js';
import { flagValue, loadCliConfig, runCli, UsageError, withCouch } from '../cli.js';
import { CatalogCache } from './cache.js';
import { importConfig, type ImportInput } from './import.js';
import { readSeedDocs } from './seed.js';
import { validateCatalogDoc } from './schemas.js';
import { CatalogStore } from './store.js';
import { refreshTree } from './tree.js';
import { HttpError } from '../http/errors.js';

const USAGE = `usage: npm run catalog -- <command>
  validate [DIR]                          check every document of a seed folder (default: seed-brands/)
  import --file F --brand B --family F --model M [--format xml|plain] [--delimiter D]
         [--username U --password P [--line N]] [--name NAME] [--save]
                                          turn a phone's exported config into a template; prints it, saves with --save
  import-legacy DIR                       load the original project's DB_INSTALL/brand_provisioner documents
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
  const docs: Record<string, unknown>[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const id = decodeURIComponent(name.replace(/\.json$/, ''));
    if (!id.startsWith('ui/')) continue;
    const raw = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const { _rev, ...doc } = raw;
    const found = validateCatalogDoc(doc);
    if (found.length) problems.push(`${name}: ${found.map((p) => `${p.pointer} ${p.message}`).join('; ')}`);
    else docs.push(doc);
  }
  for (const p of problems) process.stderr.write(`skipped ${p}\n`);
  return withCouch(loadCliConfig(argv), async (app) => {
    const existing = docs.length ? await app.catalogDb.fetch({ keys: docs.map((d) => d._id as string) }) : { rows: [] };
    const writes = docs.map((d, i) => {
      const cur = (existing.rows[i] as { doc?: { _rev: string } | null }).doc;
      return cur ? { ...d, _rev: cur._rev } : d;
    });
    if (writes.length) {
      const res = await app.catalogDb.bulk({ docs: writes });
      for (const r of res.filter((x) => x.error)) process.stderr.write(`not written ${r.id}: ${r.error} ${r.reason}\n`);
    }
    await refreshTree(app.catalogDb);
    process.stdout.write(`imported ${docs.length} templates, skipped ${problems.length}\n`);
    return problems.length && !docs.length ? 1 : 0;
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
    case 'export': return cmdExport(argv, arg);
    default:
      throw new UsageError(USAGE);
  }
}

runCli('catalog', main);

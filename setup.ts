// `npm run setup -- [--demo] [--force-templates] [--config file]`: database bootstrap CLI.
// `npm run setup -- --kazoo-config --provisioner-url URL [--dry-run]`: points Kazoo at us instead.
// `npm run setup -- --backup DIR` / `--restore DIR`: our databases to and from JSON files.
import { backup, BackupError, describeBackup, describeRestore, restore } from './server/backup.js';
import { bootstrap, summarize } from './server/bootstrap.js';
import { flagValue, loadCliConfig, runCli, withCouch } from './server/cli.js';
import { ensureGlobalChanges } from './server/couch/global-changes.js';
import { createDemoTenant } from './server/kazoo/demo.js';
import { checkProvisionerUrl, describeMerge, mergeKazooConfig, ProvisionerUrlError } from './server/kazoo/system-config.js';

const USAGE = `usage: npm run setup -- [options]
  --demo              also create a Kazoo-shaped demo tenant in Kazoo's databases
  --force-templates   overwrite catalog templates an operator has changed
  --config FILE       read configuration from FILE (also PROVISION_CONFIG)
  --kazoo-config      instead: set Kazoo's system_config (provisioner, crossbar.devices) to use us
    --provisioner-url URL   our API base as Kazoo and Monster UI reach it, ending in / (e.g. https://prov.example.com/api/)
    --dry-run               print what would change, write nothing
  --backup DIR        instead: write our databases (catalog, state) to DIR/catalog.json and DIR/state.json
  --restore DIR       instead: load such a backup into our databases (created if missing; idempotent)
  --help              this text`;

const KNOWN = new Set(['--demo', '--force-templates', '--config', '--help', '--kazoo-config', '--provisioner-url', '--dry-run', '--backup', '--restore']);

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]));
  for (const f of flags) {
    if (!KNOWN.has(f)) { process.stderr.write(`unknown option ${f}\n${USAGE}\n`); return 2; }
  }
  if (flags.has('--help')) { process.stdout.write(USAGE + '\n'); return 0; }
  const backupDir = flagValue(argv, '--backup');
  const restoreDir = flagValue(argv, '--restore');
  if (flags.has('--backup') || flags.has('--restore')) {
    const others = [...flags].filter((f) => f !== '--backup' && f !== '--restore' && f !== '--config');
    if ((flags.has('--backup') && flags.has('--restore')) || others.length) {
      process.stderr.write('--backup and --restore each run on their own (with --config at most)\n'); return 2;
    }
    if (!(backupDir || restoreDir)) { process.stderr.write(`${flags.has('--backup') ? '--backup' : '--restore'} needs a directory\n`); return 2; }
    return withCouch(loadCliConfig(argv), async (app) => {
      try {
        const lines = backupDir ? describeBackup(await backup(app, backupDir)) : describeRestore(await restore(app, restoreDir!));
        for (const line of lines) process.stdout.write(line + '\n');
        return 0;
      } catch (err) {
        if (err instanceof BackupError) { process.stderr.write(`${err.message}\n`); return 1; }
        throw err;
      }
    });
  }
  const kazooConfig = flags.has('--kazoo-config');
  let provisionerUrl = '';
  if (kazooConfig) {
    if (flags.has('--demo') || flags.has('--force-templates')) {
      process.stderr.write('--kazoo-config runs on its own; run setup once more for --demo or --force-templates\n'); return 2;
    }
    try {
      provisionerUrl = checkProvisionerUrl(flagValue(argv, '--provisioner-url'));
    } catch (err) {
      if (err instanceof ProvisionerUrlError) { process.stderr.write(`${err.message}\n`); return 2; }
      throw err;
    }
  } else if (flags.has('--provisioner-url') || flags.has('--dry-run')) {
    process.stderr.write(`--provisioner-url and --dry-run belong to --kazoo-config\n${USAGE}\n`); return 2;
  }
  const config = loadCliConfig(argv);
  // --kazoo-config only needs Kazoo's CouchDB: no embedded server when that one is given.
  return withCouch(config, async (app) => {
    if (kazooConfig) {
      const report = await mergeKazooConfig(app, provisionerUrl, { dryRun: flags.has('--dry-run') });
      for (const line of describeMerge(app, report)) process.stdout.write(line + '\n');
      return 0;
    }
    const report = await bootstrap(app, { forceTemplates: flags.has('--force-templates') });
    for (const line of summarize(report)) process.stdout.write(line + '\n');
    process.stdout.write(`database _global_changes (Kazoo's CouchDB): ${await ensureGlobalChanges(app.kazooCouch.server)}\n`);
    if (flags.has('--demo')) {
      for (const line of await createDemoTenant(app)) process.stdout.write(line + '\n');
    }
    return 0;
  }, { preferKazoo: kazooConfig });
}

runCli('setup', main);

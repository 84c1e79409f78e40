// `npm run setup -- [--demo] [--force-templates] [--config file]`: database bootstrap CLI.
// `npm run setup -- --kazoo-config --provisioner-url URL [--dry-run]`: points Kazoo at us instead.
import { ConfigError, loadConfig } from './config.js';
import { bootstrap, summarize } from './server/bootstrap.js';
import { createContext } from './server/context.js';
import { startEmbeddedCouch, type EmbeddedCouch } from './server/couch/embedded.js';
import { createDemoTenant } from './server/kazoo/demo.js';
import { checkProvisionerUrl, describeMerge, mergeKazooConfig, ProvisionerUrlError } from './server/kazoo/system-config.js';
import { createLogger } from './server/log.js';

const USAGE = `usage: npm run setup -- [options]
  --demo              also create a Kazoo-shaped demo tenant in Kazoo's databases
  --force-templates   overwrite catalog templates an operator has changed
  --config FILE       read configuration from FILE (also PROVISION_CONFIG)
  --kazoo-config      instead: set Kazoo's system_config (provisioner, crossbar.devices) to use us
    --provisioner-url URL   our API base as Kazoo and Monster UI reach it, ending in / (e.g. https://prov.example.com/api/)
    --dry-run               print what would change, write nothing
  --help              this text`;

const KNOWN = new Set(['--demo', '--force-templates', '--config', '--help', '--kazoo-config', '--provisioner-url', '--dry-run']);

/** The value of `--name VALUE` or `--name=VALUE`. */
function flagValue(argv: string[], name: string): string | undefined {
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  if (eq) return eq.slice(name.length + 1);
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]));
  for (const f of flags) {
    if (!KNOWN.has(f)) { process.stderr.write(`unknown option ${f}\n${USAGE}\n`); return 2; }
  }
  if (flags.has('--help')) { process.stdout.write(USAGE + '\n'); return 0; }
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
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`configuration error: ${err.message}\n`); return 2; }
    throw err;
  }
  let embedded: EmbeddedCouch | null = null;
  let couchUrl = config.couchdbUrl;
  try {
    // --kazoo-config only needs Kazoo's CouchDB: no embedded server when that one is given.
    if (kazooConfig && !couchUrl && config.kazooCouchdbUrl) couchUrl = config.kazooCouchdbUrl;
    if (!couchUrl) {
      embedded = await startEmbeddedCouch(config.dataDir);
      couchUrl = embedded.url;
      config.kazooCouchdbUrl ||= couchUrl;
    }
    const app = createContext(config, couchUrl, config.kazooCouchdbUrl || couchUrl, createLogger('warn'));
    if (kazooConfig) {
      const report = await mergeKazooConfig(app, provisionerUrl, { dryRun: flags.has('--dry-run') });
      for (const line of describeMerge(app, report)) process.stdout.write(line + '\n');
      return 0;
    }
    const report = await bootstrap(app, { forceTemplates: flags.has('--force-templates') });
    for (const line of summarize(report)) process.stdout.write(line + '\n');
    if (flags.has('--demo')) {
      for (const line of await createDemoTenant(app)) process.stdout.write(line + '\n');
    }
    return 0;
  } finally {
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  process.stderr.write(`setup failed: ${(err as Error).message}\n`);
  process.exit(1);
});

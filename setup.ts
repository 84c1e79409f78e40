// `npm run setup -- [--demo] [--force-templates] [--config file]`: database bootstrap CLI.
import { ConfigError, loadConfig } from './config.js';
import { bootstrap, summarize } from './server/bootstrap.js';
import { createContext } from './server/context.js';
import { startEmbeddedCouch, type EmbeddedCouch } from './server/couch/embedded.js';
import { createDemoTenant } from './server/kazoo/demo.js';
import { createLogger } from './server/log.js';

const USAGE = `usage: npm run setup -- [options]
  --demo              also create a Kazoo-shaped demo tenant in Kazoo's databases
  --force-templates   overwrite catalog templates an operator has changed
  --config FILE       read configuration from FILE (also PROVISION_CONFIG)
  --help              this text`;

const KNOWN = new Set(['--demo', '--force-templates', '--config', '--help']);

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]));
  for (const f of flags) {
    if (!KNOWN.has(f)) { process.stderr.write(`unknown option ${f}\n${USAGE}\n`); return 2; }
  }
  if (flags.has('--help')) { process.stdout.write(USAGE + '\n'); return 0; }
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
    if (!couchUrl) {
      embedded = await startEmbeddedCouch(config.dataDir);
      couchUrl = embedded.url;
      config.kazooCouchdbUrl ||= couchUrl;
    }
    const app = createContext(config, couchUrl, config.kazooCouchdbUrl || couchUrl, createLogger('warn'));
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

// What every command-line tool shares: flags, configuration (exit 2 on a bad value), and a CouchDB
// to talk to — the configured one, or the embedded server on DATA_DIR for the length of the command.
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createContext, type AppContext } from './context.js';
import { EmbeddedLockedError, startEmbeddedCouch, type EmbeddedCouch } from './couch/embedded.js';
import { describeLocked, findRunningEmbedded } from './couch/running-info.js';
import { createLogger } from './log.js';

export class UsageError extends Error {}

/** The value of `--name VALUE` or `--name=VALUE`. */
export function flagValue(argv: string[], name: string): string | undefined {
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  if (eq) return eq.slice(name.length + 1);
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
}

export function loadCliConfig(argv: string[]): Config {
  try {
    return loadConfig(process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`configuration error: ${err.message}`);
    throw err;
  }
}

/** Runs fn with a context on CouchDB; `preferKazoo` uses Kazoo's CouchDB when ours is the embedded one. */
export async function withCouch<T>(config: Config, fn: (app: AppContext) => Promise<T>, opts: { preferKazoo?: boolean } = {}): Promise<T> {
  let embedded: EmbeddedCouch | null = null;
  let couchUrl = config.couchdbUrl;
  try {
    if (opts.preferKazoo && !couchUrl && config.kazooCouchdbUrl) couchUrl = config.kazooCouchdbUrl;
    if (!couchUrl) {
      // A running `npm start` holds the embedded database's files: use its server.
      couchUrl = (await findRunningEmbedded(config.dataDir))?.url ?? null;
      if (!couchUrl) {
        embedded = await startEmbedded(config.dataDir);
        couchUrl = embedded.url;
      }
      config.kazooCouchdbUrl ||= couchUrl;
    }
    return await fn(createContext(config, couchUrl, config.kazooCouchdbUrl || couchUrl, createLogger('warn')));
  } finally {
    await embedded?.stop();
  }
}

/** The embedded server on dataDir; a data directory another process holds is one line, not LevelDB's stack. */
export async function startEmbedded(dataDir: string): Promise<EmbeddedCouch> {
  try {
    return await startEmbeddedCouch(dataDir);
  } catch (err) {
    if (err instanceof EmbeddedLockedError) throw new Error(describeLocked(err));
    throw err;
  }
}

/** Runs a CLI's main: usage errors exit 2 with their message, other failures exit 1. */
export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name} failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

// `npm start`: configuration → (embedded) CouchDB → bootstrap → listen. Ctrl-C / SIGTERM stop it all.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { startEmbedded } from './cli.js';
import { CREDENTIALS_FILE, type EmbeddedCouch } from './couch/embedded.js';
import { findRunningEmbedded, writeRunningInfo } from './couch/running-info.js';
import { createLogger } from './log.js';
import { startServer, type RunningServer } from './server.js';

function adminTokenFromDataDir(config: Config): { token: string; path: string } {
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'admin-token');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
  return { token: readFileSync(path, 'utf8').trim(), path };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, undefined, config.logFormat);
  let embedded: EmbeddedCouch | null = null;
  let running: RunningServer | null = null;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await running?.close();
      await embedded?.stop();
    } finally {
      log.flush?.();
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  let couchUrl = config.couchdbUrl;
  if (!couchUrl) {
    const other = await findRunningEmbedded(config.dataDir);
    if (other) {
      throw new Error(`kazoo-provision (pid ${other.pid}) already runs on the data directory ${resolve(config.dataDir)}; stop it, or set DATA_DIR to another directory`);
    }
    embedded = await startEmbedded(config.dataDir);
    // Lets `npm run setup` and the other tools use this server while we run (see running-info.ts).
    const removeNote = writeRunningInfo(config.dataDir, embedded.port);
    process.on('exit', removeNote);
    couchUrl = embedded.url;
    if (!config.kazooCouchdbUrl) config.kazooCouchdbUrl = couchUrl;
    log.info({ couchdb: embedded.label, data_dir: resolve(config.dataDir), credentials: join(resolve(config.dataDir), CREDENTIALS_FILE) }, 'embedded CouchDB started');
    if (!config.adminToken) {
      const { token, path } = adminTokenFromDataDir(config);
      config.adminToken = token;
      log.info({ path }, 'admin token (PROVISION_ADMIN_TOKEN) generated; read it from this file');
    }
  }
  running = await startServer(config, couchUrl, log);
  const base = config.publicUrl;
  log.info({ listen: `${config.host}:${running.port}` }, 'listening');
  process.stdout.write([
    '',
    `kazoo-provision ${running.app.version} is listening on ${config.host}:${running.port}`,
    `  Monster UI   monster.config.api.provisioner = '${base}/api/'`,
    `  Phones       ${base}/prov/<brand>/   (e.g. ${base}/prov/yealink/)`,
    `  Health       ${base}/healthz`,
    '',
  ].join('\n'));
}

main().catch((err) => {
  process.stderr.write(`kazoo-provision failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});

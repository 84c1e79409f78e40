// One harness for every test: a CouchDB per run (the embedded server in a temporary directory, or
// COUCHDB_URL when set, then with a per-run database-name prefix that is deleted afterwards), and
// in-process servers on free ports. Every log line of the run is kept so tests can search it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import nano from 'nano';
import { loadConfig, type Config } from '../config.js';
import { startEmbeddedCouch, type EmbeddedCouch } from '../server/couch/embedded.js';
import { createLogger, type Logger } from '../server/log.js';
import { startServer, type RunningServer } from '../server/server.js';
import { secret } from './fixtures/secrets.js';

export const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    if (process.env.TEST_LOG) process.stderr.write(chunk);
    cb();
  },
});
export const testLog: Logger = createLogger(process.env.TEST_LOG_LEVEL || 'debug', sink);

interface RunEnv { couchUrl: string; runPrefix: string; dataDir: string; embedded: EmbeddedCouch | null }
let env: RunEnv | null = null;

export async function startRun(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kazoo-provision-test-'));
  const runPrefix = `kpt${randomBytes(3).toString('hex')}_`;
  if (process.env.COUCHDB_URL) {
    env = { couchUrl: process.env.COUCHDB_URL, runPrefix, dataDir, embedded: null };
  } else {
    const embedded = await startEmbeddedCouch(dataDir);
    env = { couchUrl: embedded.url, runPrefix, dataDir, embedded };
  }
}

export async function endRun(): Promise<void> {
  if (!env) return;
  if (!env.embedded) {
    // A shared CouchDB: delete every database this run created, Kazoo-named ones included.
    const server = nano(env.couchUrl);
    const dbs = await server.db.list();
    for (const name of dbs.filter((d) => d.startsWith(env!.runPrefix))) await server.db.destroy(name);
  }
  await env.embedded?.stop();
  rmSync(env.dataDir, { recursive: true, force: true });
  env = null;
}

export function runEnv(): RunEnv {
  if (!env) throw new Error('test run not started (test/hooks.ts)');
  return env;
}

let counter = 0;
/** A database-name prefix no other test uses, inside this run's prefix. */
export function freshPrefix(): string {
  counter += 1;
  return `${runEnv().runPrefix}${counter}_`;
}

/** A Config as the server would load it, for an isolated set of databases. */
export function testConfig(overrides: Partial<Config> = {}, envVars: Record<string, string> = {}): Config {
  const prefix = overrides.dbPrefix ?? freshPrefix();
  // Tests that poll for a device to appear would count as probing: probe limits and the refusal
  // delay are off unless a test sets them (test/security*.test.ts do).
  const cfg = loadConfig({ PORT: '1', HOST: '127.0.0.1', LOG_LEVEL: 'debug', PROBE_LIMIT: '10000', FAILURE_DELAY_MS: '0', ...envVars }, []);
  secret(overrides.adminToken);
  return { ...cfg, couchdbUrl: runEnv().couchUrl, kazooCouchdbUrl: runEnv().couchUrl, dbPrefix: prefix,
    kazooDbPrefix: overrides.kazooDbPrefix ?? prefix, dataDir: runEnv().dataDir, port: 0,
    // The servers of one test share the data directory: each world keeps its last-good copies apart.
    lastGoodDir: join(runEnv().dataDir, `last-good-${prefix}`),
    adminToken: secret('test-admin-token-0123456789abcdefghijklmnop'), ...overrides };
}

export async function startTestServer(overrides: Partial<Config> = {}, opts: Parameters<typeof startServer>[3] = {}): Promise<RunningServer> {
  const cfg = testConfig(overrides);
  return startServer(cfg, runEnv().couchUrl, testLog, opts);
}

export function couch() {
  return nano(runEnv().couchUrl);
}

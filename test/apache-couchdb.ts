// Apache CouchDB 3.5 for tests and benchmarks: the relocatable build in ../shared/couchdb/, extracted
// to a temporary directory and started as one node or as a three-node cluster on loopback. Its
// start scripts are the build's own; this module only finds the tarball, picks free ports, waits for
// readiness and makes sure nothing is left running.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../server/couch/embedded.js';
import { http } from './support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARBALL = 'apache-couchdb-3.5.0-debian12-amd64.tar.gz';
export const COUCH_PASSWORD = 'kp-test-admin';

/** Where the build is: COUCHDB_TARBALL, or ../shared/couchdb/ beside the checkout (as CI lays it). */
export function couchTarball(): string {
  const path = process.env.COUCHDB_TARBALL || resolve(ROOT, '..', 'shared', 'couchdb', TARBALL);
  if (!existsSync(path)) {
    throw new Error(`Apache CouchDB 3.5 is needed for this test and was not found at ${path}. Put the build from ` +
      `shared/couchdb/ beside the checkout, or set COUCHDB_TARBALL to its path. To leave the Apache CouchDB tests ` +
      `out on purpose, set SKIP_APACHE_COUCHDB_TESTS=1 (CI never does).`);
  }
  return path;
}

/** True when a developer opted out of the tests that start Apache CouchDB themselves. */
export function apacheTestsSkipped(): boolean {
  return process.env.SKIP_APACHE_COUCHDB_TESTS === '1';
}

/**
 * The extracted build's folder. A runner that already extracted it passes it down in
 * KP_COUCHDB_HOME; otherwise it is extracted into a temporary folder removed at exit.
 */
export function couchHome(): string {
  const given = process.env.KP_COUCHDB_HOME;
  if (given && existsSync(join(given, 'start.sh'))) return given;
  const dir = mkdtempSync(join(tmpdir(), 'kp-couchdb-'));
  const tar = spawnSync('tar', ['-xzf', couchTarball(), '-C', dir], { stdio: 'inherit' });
  if (tar.status !== 0) throw new Error(`could not extract ${couchTarball()} into ${dir}`);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  process.env.KP_COUCHDB_HOME = join(dir, 'apache-couchdb-3.5.0');
  return process.env.KP_COUCHDB_HOME;
}

function adminUrl(port: number): string {
  return `http://admin:${COUCH_PASSWORD}@127.0.0.1:${port}`;
}

/** Stops a start script (SIGTERM stops its nodes), waiting at most `ms` before SIGKILL. */
function stopChild(child: ChildProcess, ms = 15000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => { clearTimeout(timer); done(); });
    child.kill('SIGTERM');
  });
}

const running = new Set<ChildProcess>();
// A runner that dies on an exception must not leave CouchDB behind: the scripts stop their nodes on SIGTERM.
process.once('exit', () => { for (const c of running) c.kill('SIGTERM'); });

async function waitUntil(check: () => Promise<boolean> | boolean, ms: number, what: string, child: ChildProcess, log: () => string) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${what}: the start script exited with ${child.exitCode}\n${log()}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${ms / 1000} s\n${log()}`);
}

export interface CouchNode { url: string; port: number; dataDir: string; stop(): Promise<void> }

/** One node (n=1) on a free port, data in a temporary folder that stop() removes. */
export async function startCouchNode(): Promise<CouchNode> {
  const home = couchHome();
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-couch1-'));
  const port = await freePort();
  let out = '';
  const child = spawn(join(home, 'start.sh'), [dataDir, String(port), COUCH_PASSWORD], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const url = adminUrl(port);
  const up = async () => {
    try { return (await fetch(`http://127.0.0.1:${port}/_up`)).status === 200; } catch { return false; }
  };
  await waitUntil(up, 60000, `Apache CouchDB on port ${port}`, child, () => out.slice(-2000));
  // _db_updates needs _global_changes; start.sh creates it in the background right after start-up.
  await waitUntil(async () => (await http(`${url}/_global_changes`)).status === 200,
    30000, '_global_changes', child, () => out.slice(-2000));
  return {
    url, port, dataDir,
    async stop() {
      await stopChild(child);
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CouchCluster {
  urls: string[];
  ports: number[];
  /** SIGKILLs node k (1-based), as a crash or power loss would. */
  kill(k: number): Promise<void>;
  /** Starts node k again on its own data, as the cluster script launched it; resolves when it answers. */
  restart(k: number): Promise<void>;
  stop(): Promise<void>;
}

async function freeBlock(size: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const free = await Promise.all(Array.from({ length: size }, (_, j) => isFree(base + j)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no block of free ports for a CouchDB cluster');
}

async function isFree(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((done) => {
    const s = net.createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Three nodes (n=3, q=2) on loopback, formed; stop() ends every node and removes the data. */
export async function startCouchCluster(nodes = 3): Promise<CouchCluster> {
  const home = couchHome();
  const root = mkdtempSync(join(tmpdir(), 'kp-cluster-'));
  const base = await freeBlock(2 * nodes + 1);
  const epmdPort = base + nodes;
  let out = '';
  const child = spawn(join(home, 'start-cluster.sh'), [root, String(base), COUCH_PASSWORD, String(nodes)], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  await waitUntil(() => existsSync(join(root, 'ready')), 180000, 'Apache CouchDB cluster', child, () => out.slice(-3000));
  const ports = Array.from({ length: nodes }, (_, i) => base + i);
  const pids = () => readFileSync(join(root, 'pids'), 'utf8').trim().split('\n').map(Number);
  const restarted = new Map<number, ChildProcess>();
  const killNode = async (k: number) => {
    const again = restarted.get(k);
    const pid = again?.pid ?? pids()[k - 1];
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    restarted.delete(k);
  };
  return {
    urls: ports.map(adminUrl), ports,
    kill: killNode,
    async restart(k: number) {
      const d = join(root, `node${k}`);
      const node = spawn(join(home, 'bin', 'couchdb'), [], {
        stdio: 'ignore',
        env: { PATH: process.env.PATH, HOME: d, ERL_EPMD_PORT: String(epmdPort), COUCHDB_ARGS_FILE: join(d, 'vm.args'),
          COUCHDB_INI_FILES: `${join(home, 'etc', 'default.ini')} ${join(home, 'etc', 'default.d')} ${join(d, 'local.ini')}` },
      });
      running.add(node);
      restarted.set(k, node);
      const port = ports[k - 1];
      await waitUntil(async () => {
        try { return (await fetch(`http://127.0.0.1:${port}/_up`)).status === 200; } catch { return false; }
      }, 60000, `node${k} after restart`, node, () => '');
    },
    async stop() {
      for (const k of [...restarted.keys()]) await killNode(k);
      await stopChild(child, 20000);
      running.delete(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

// The embedded CouchDB-compatible server (pouchdb-server) used when no COUCHDB_URL is configured.
// It runs as a child process so LevelDB work does not share our event loop. It is not open to
// other local users: it answers only requests carrying the admin credentials generated into the data
// directory (0600, beside the admin token), and the data directory is 0700.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export interface EmbeddedCouch {
  /** With the credentials: for clients. */
  url: string;
  /** Without them: for logs. */
  label: string;
  port: number;
  stop(): Promise<void>;
}

export const CREDENTIALS_FILE = 'couchdb-credentials';

/**
 * The data directory (0700) and the embedded server's credentials in it, made on first start. A
 * directory from before credentials existed gets them now and its modes tightened: its data is
 * read as before (the credentials guard the HTTP port, not the files' format).
 */
export function embeddedCredentials(dataDir: string): { user: string; password: string } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
  const path = join(dir, CREDENTIALS_FILE);
  if (!existsSync(path)) {
    writeFileSync(path, JSON.stringify({ user: 'kazoo-provision', password: randomBytes(24).toString('base64url') }) + '\n', { mode: 0o600, flag: 'wx' });
  }
  tighten(path, 0o600);
  const c = JSON.parse(readFileSync(path, 'utf8')) as { user?: unknown; password?: unknown };
  if (typeof c.user !== 'string' || typeof c.password !== 'string' || !c.user || !c.password) {
    throw new Error(`${path} is not {"user": …, "password": …}; delete it to have new credentials generated`);
  }
  return { user: c.user, password: c.password };
}

/** Takes group and other permissions away from what we own (an operator's own choice is narrower or equal). */
function tighten(path: string, mode: number): void {
  const st = statSync(path);
  if ((st.mode & 0o077) && (typeof process.getuid !== 'function' || st.uid === process.getuid())) chmodSync(path, mode);
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** LevelDB's lock on one of the data directory's databases is held by another process. */
export class EmbeddedLockedError extends Error {
  constructor(public dataDir: string, public lockFile: string) {
    super(`the data directory ${dataDir} is in use by another process (${lockFile} is locked)`);
  }
}

const LOCKED = /IO error: lock (\S+\/LOCK): Resource temporarily unavailable/;

async function waitUntilUp(url: string, userPass: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`embedded CouchDB exited with code ${child.exitCode}: ${stderr().trim().slice(-500)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000), headers: { authorization: `Basic ${Buffer.from(userPass).toString('base64')}` } });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`embedded CouchDB did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * `inMemory`: nothing on disk, gone when it stops (benchmarks only: LevelDB keeps several files open
 * per database, and this machine allows 20,000 open files, so a disk-backed one stops at about
 * 4,000 databases).
 */
export async function startEmbeddedCouch(dataDir: string, opts: { port?: number; inMemory?: boolean } = {}): Promise<EmbeddedCouch> {
  const { user, password } = embeddedCredentials(dataDir);
  const dir = resolve(dataDir, 'couchdb');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
  // pouchdb-server writes its config and log relative to these paths; keep both inside DATA_DIR.
  const configPath = join(dir, 'pouchdb-server.json');
  writeFileSync(configPath, JSON.stringify({ log: { file: join(dir, 'log.txt'), level: 'error' } }));
  const port = opts.port || (await freePort());
  const script = fileURLToPath(new URL('./embedded-child.cjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--host', '127.0.0.1', '--port', String(port), '--dir', dir,
    '--config', configPath, '--no-stdout-logs', ...(opts.inMemory ? ['--in-memory'] : [])], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'],
    // Not in argv: other users can read a process's arguments, not its environment.
    env: { ...process.env, KP_EMBEDDED_AUTH: Buffer.from(`${user}:${password}`).toString('base64') } });
  let errText = '';
  child.stderr?.on('data', (d: Buffer) => { errText = (errText + d.toString()).slice(-4000); });
  const label = `http://127.0.0.1:${port}`;
  const url = `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await waitUntilUp(label, `${user}:${password}`, child, () => errText, 30000);
  } catch (err) {
    child.kill('SIGKILL');
    const locked = LOCKED.exec(errText);
    throw locked ? new EmbeddedLockedError(resolve(dataDir), locked[1]) : err;
  }
  let stopping: Promise<void> | null = null;
  return {
    url, label, port,
    stop() {
      if (stopping) return stopping;
      stopping = new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => { clearTimeout(killer); res(); });
        child.kill('SIGTERM');
      });
      return stopping;
    },
  };
}

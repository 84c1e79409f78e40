// The embedded CouchDB-compatible server (pouchdb-server) used when no COUCHDB_URL is configured.
// It runs as a child process so LevelDB work does not share our event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export interface EmbeddedCouch {
  url: string;
  stop(): Promise<void>;
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

async function waitUntilUp(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`embedded CouchDB exited with code ${child.exitCode}: ${stderr().trim().slice(-500)}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
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
  const dir = resolve(dataDir, 'couchdb');
  mkdirSync(dir, { recursive: true });
  // pouchdb-server writes its config and log relative to these paths; keep both inside DATA_DIR.
  const configPath = join(dir, 'pouchdb-server.json');
  writeFileSync(configPath, JSON.stringify({ log: { file: join(dir, 'log.txt'), level: 'error' } }));
  const port = opts.port || (await freePort());
  const script = fileURLToPath(new URL('./embedded-child.cjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--host', '127.0.0.1', '--port', String(port), '--dir', dir,
    '--config', configPath, '--no-stdout-logs', ...(opts.inMemory ? ['--in-memory'] : [])], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
  let errText = '';
  child.stderr?.on('data', (d: Buffer) => { errText = (errText + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child, () => errText, 30000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  let stopping: Promise<void> | null = null;
  return {
    url,
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

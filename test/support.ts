// Small helpers shared by test files.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../server/couch/embedded.js';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function http(url: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  // fetch refuses a URL with credentials in it (Apache CouchDB's admin URL has them): send them as Basic.
  const u = new URL(url);
  if (u.username && !headers.has('authorization')) {
    headers.set('authorization', `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`);
    u.username = '';
    u.password = '';
    url = u.toString();
  }
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/** Runs one of the project's TypeScript entry points as a separate process, as npm would. */
export function runTs(script: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 60000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} timed out: ${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export interface NpmStart { child: ChildProcess; port: number; out: () => string; startedInMs: number; stop: () => Promise<number | null>; kill: () => void }

/**
 * `npm start` (server/main.ts) on dataDir with the embedded CouchDB, answering /healthz. It runs in
 * its own process group, so `kill()` (for after/finally) ends it and its database child even when a
 * test failed or timed out half-way.
 */
// Every `npm start` a test began and that has not exited: after hooks (and mocha's exit) end them.
const started = new Set<ChildProcess>();
const killGroup = (child: ChildProcess) => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } };
process.on('exit', () => { for (const c of started) killGroup(c); });

/** Ends every `npm start` still running (for after hooks: a test that timed out skips its finally). */
export function killNpmStarts(): void {
  for (const c of started) killGroup(c);
}

export async function npmStart(dataDir: string, env: Record<string, string | undefined> = {}, timeoutMs = 30000): Promise<NpmStart> {
  const port = Number(env.PORT) || await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT, detached: true, env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ...env }) });
  started.add(child);
  child.on('exit', () => started.delete(child));
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const kill = () => killGroup(child);
  const stop = () => new Promise<number | null>((res) => {
    if (child.exitCode !== null) return res(child.exitCode);
    child.on('exit', res);
    child.kill('SIGTERM');
  });
  const t0 = Date.now();
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${out.slice(-1000)}`);
      return (await http(`http://127.0.0.1:${port}/healthz`)).status === 200;
    }, timeoutMs, 'healthz');
  } catch (err) {
    kill();
    throw err;
  }
  return { child, port, out: () => out, startedInMs: Date.now() - t0, stop, kill };
}

/** The test process's environment minus our configuration variables, plus the given ones. */
export function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(PORT|HOST|COUCHDB_URL|KAZOO_|DATA_DIR|DB_PREFIX|PROVISION_|LOG_LEVEL|PUBLIC_URL|CATALOG_DB|STATE_DB)/.test(k)) base[k] = v;
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) base[k] = v;
  return base;
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * CouchDB requests a running server has sent so far, ours and Kazoo's, from its /metrics. Change
 * feeds' long polls are left out: each change a feed brings (our own writes' too) reissues one, on
 * its own clock, and they are no load a phone's request causes.
 */
export async function couchRequests(server: { url: string }): Promise<number> {
  const text = (await http(`${server.url}/metrics`)).text;
  return [...text.matchAll(/^provision_couchdb_requests_total\{([^}]*)\} (\d+)$/gm)]
    .filter((m) => !m[1].includes('client="feed"')).reduce((n, m) => n + Number(m[2]), 0);
}

// LevelDB lets one process at a time open a database's files, so `npm run setup` (and the other
// command-line tools) cannot start a second embedded server on the data directory `npm start` is
// using. `npm start` therefore leaves a note in DATA_DIR while its embedded server runs (its pid and
// port, no credentials: those stay in couchdb-credentials), and the tools talk to that server instead.
import { existsSync, readdirSync, readFileSync, readlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { embeddedCredentials, type EmbeddedLockedError } from './embedded.js';

export const RUNNING_FILE = 'running.json';

export interface RunningEmbedded { pid: number; url: string; label: string }

/** Writes the note (0600); the function returned removes it, if it is still ours. */
export function writeRunningInfo(dataDir: string, port: number): () => void {
  const path = join(resolve(dataDir), RUNNING_FILE);
  const body = JSON.stringify({ pid: process.pid, port }) + '\n';
  writeFileSync(path, body, { mode: 0o600 });
  return () => {
    try {
      if (readFileSync(path, 'utf8') === body) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded server a running `npm start` keeps for this data directory, or null. A note left by
 * a process that is gone, or whose port no longer answers to our credentials, is stale: removed.
 */
export async function findRunningEmbedded(dataDir: string): Promise<RunningEmbedded | null> {
  const path = join(resolve(dataDir), RUNNING_FILE);
  if (!existsSync(path)) return null;
  let note: { pid?: unknown; port?: unknown };
  try {
    note = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    note = {};
  }
  const { pid, port } = note;
  if (Number.isInteger(pid) && Number.isInteger(port) && pid !== process.pid && alive(pid as number)) {
    const { user, password } = embeddedCredentials(dataDir);
    const label = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(label, { signal: AbortSignal.timeout(3000),
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
      if (res.ok) return { pid: pid as number, label, url: `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}` };
    } catch {
      // not answering: stale
    }
    // The process lives but its server does not answer: leave the note, it may be starting or stopping.
    return null;
  }
  try { unlinkSync(path); } catch { /* raced with its owner */ }
  return null;
}

/** The pids (of ours: others' /proc entries are unreadable) that hold a file open; Linux only, else []. */
export function holdersOf(file: string): number[] {
  const out: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let fds: string[];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) { out.push(Number(pid)); break; }
      } catch { /* closed meanwhile */ }
    }
  }
  return out;
}

/** A process's command line, short, for a message (empty when unreadable). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 120);
  } catch {
    return '';
  }
}

/** One line for a person: who holds the data directory, and what to do. */
export function describeLocked(err: EmbeddedLockedError): string {
  const who = holdersOf(err.lockFile).map((pid) => `pid ${pid}${commandOf(pid) ? ` (${commandOf(pid)})` : ''}`).join(', ');
  return `the data directory ${err.dataDir} is held by ${who || 'another process (another user\'s, or not on Linux: check `fuser`/`lsof` on ' + err.lockFile + ')'}`
    + '; stop it (a running `npm start` that does not answer, or another setup), or set DATA_DIR to another directory';
}

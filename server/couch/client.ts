// nano clients over HTTP. Every request on a phone or API path has a hard timeout; change feeds
// (long polls) use a second client without one.
import nano, { type ServerScope, type DocumentScope } from 'nano';
import { Agent } from 'undici';

export interface Couch {
  /** Display form of the URL, credentials removed. */
  label: string;
  server: ServerScope;
  /** For long-polling `_changes` feeds only. */
  feed: ServerScope;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) { u.username = '***'; u.password = ''; }
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** Called for every request nano sends, and for every failed one. */
export interface CouchObserver { request(): void; error(): void }

export function connectCouch(url: string, timeoutMs: number, observer?: CouchObserver): Couch {
  const quick = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: timeoutMs },
    keepAliveTimeout: 30_000, connections: 64 });
  const slow = new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: timeoutMs } });
  // nano logs each request it sends and each answer; counting those costs nothing on the request path.
  const log = observer ? (entry: { url?: string; err?: string | null; headers?: { statusCode?: number } }) => {
    if (entry.url) observer.request();
    else if (entry.err === 'socket' || (entry.headers?.statusCode ?? 0) >= 500) observer.error();
  } : undefined;
  return {
    label: redactUrl(url),
    server: nano({ url, agentOptions: quick as never, log } as never),
    feed: nano({ url, agentOptions: slow as never, log } as never),
  };
}

export interface CouchError { statusCode?: number; error?: string; reason?: string; message?: string }

export function statusOf(err: unknown): number | undefined {
  return (err as CouchError | null)?.statusCode;
}

export async function getOrNull<T>(db: DocumentScope<T>, id: string): Promise<(T & nano.DocumentGetResponse) | null> {
  try {
    return await db.get(id);
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** Creates a database unless it exists; true when it was created. */
export async function ensureDb(server: ServerScope, name: string): Promise<boolean> {
  try {
    await server.db.create(name);
    return true;
  } catch (err) {
    if (statusOf(err) === 412) return false;
    throw err;
  }
}

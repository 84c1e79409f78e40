// What changed between two versions of a document or a file, with secrets masked: JSON documents as
// JSON-pointer paths (RFC 6901) with before/after values, text files as added/removed lines.
import { MASK } from '../render/model.js';

/**
 * Field names whose values are secrets wherever they appear (as the log redaction in log.ts treats
 * them, plus the secret fields of Kazoo's and our own documents).
 */
const SECRET_KEY = /^(password|pass|passwd|secret|token|urlpass|provisionpass|code|key|api_key|admin_password|prov_password|prov_username|pin|vm_pin|sip_password|auth_password)$|(_password|_secret|_token|_pass|password_)/i;

export const isSecretKey = (name: string): boolean => SECRET_KEY.test(name);

/** A copy with every secret field's value replaced by the mask (objects and arrays walked, depth-bounded). */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) && v !== null && v !== '' && (typeof v !== 'object') ? MASK : maskSecrets(v, depth + 1);
  }
  return out;
}

export interface Change { path: string; before?: unknown; after?: unknown }

const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
/** CouchDB's bookkeeping fields change on every write and say nothing about what the user changed. */
const IGNORED = new Set(['_rev', '_revisions', '_attachments']);

/** The leaves that differ, secrets masked (a changed secret shows as a change, never its value). At most `limit` changes. */
export function jsonDiff(before: unknown, after: unknown, limit = 500): Change[] {
  const out: Change[] = [];
  // Created or removed: each field as a change of its own, not one change of the whole document.
  const absent = (v: unknown) => v === undefined || v === null;
  if (absent(before) && isObject(after)) before = {};
  if (absent(after) && isObject(before)) after = {};
  walk(before, after, '', false, out, limit);
  return out;
}

function walk(a: unknown, b: unknown, path: string, secret: boolean, out: Change[], limit: number): void {
  if (out.length >= limit) return;
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (path === '' && IGNORED.has(k)) continue;
      walk(a[k], b[k], `${path}/${escapePointer(k)}`, secret || isSecretKey(k), out, limit);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => walk(v, b[i], `${path}/${i}`, secret, out, limit));
    return;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const show = (v: unknown) => (secret && v !== undefined && v !== null && v !== '' ? MASK : maskSecrets(v));
  out.push({ path: path || '/', ...(a === undefined ? {} : { before: show(a) }), ...(b === undefined ? {} : { after: show(b) }) });
}

export interface LineChange { op: '+' | '-' | ' '; line: string }

/**
 * A line diff (longest common subsequence) of two texts; only changed lines and `context` lines
 * around them are returned. Texts are bounded by the caller (FETCH_BODY_MAX), the table by `maxCells`.
 */
export function lineDiff(before: string, after: string, context = 2, maxCells = 4_000_000): LineChange[] | null {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  // Common head and tail cost no table.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if ((x.length + 1) * (y.length + 1) > maxCells) return null;
  const w = y.length + 1;
  const t = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      t[i * w + j] = x[i] === y[j] ? t[(i + 1) * w + j + 1] + 1 : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    }
  }
  const all: LineChange[] = a.slice(0, head).map((line) => ({ op: ' ' as const, line }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) { all.push({ op: ' ', line: x[i] }); i++; j++; }
    // Removed lines before the added ones that replace them, as diff(1) shows them.
    else if (i < x.length && (j === y.length || t[(i + 1) * w + j] >= t[i * w + j + 1])) all.push({ op: '-', line: x[i++] });
    else all.push({ op: '+', line: y[j++] });
  }
  for (const line of a.slice(a.length - tail)) all.push({ op: ' ', line });
  const keep = new Uint8Array(all.length);
  all.forEach((c, n) => { if (c.op !== ' ') for (let k = Math.max(0, n - context); k <= Math.min(all.length - 1, n + context); k++) keep[k] = 1; });
  return all.filter((_, n) => keep[n]);
}

// HTTP Digest (RFC 7616) for phone requests: MD5 and SHA-256, qop=auth. Nonces are stored in
// CouchDB (doc `nonce:<nonce>`, shared by every instance) with an expiry, the source IP they were
// issued to, and the highest nonce count used: a request replayed (same or lower nc) is refused.
import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { sameSecret } from '../api/auth.js';

export const NONCE_TTL_MS = 5 * 60_000;
export type DigestAlgorithm = 'MD5' | 'SHA-256';
const HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

export interface DigestParams {
  username: string; realm: string; nonce: string; uri: string; response: string;
  algorithm: DigestAlgorithm; qop: string; nc: string; cnonce: string; opaque?: string;
}

/** Parses `Digest k=v, k="v"`; null when it is not a Digest header or misses a required part. */
export function parseDigest(header: string): DigestParams | null {
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m || header.length > 4096) return null;
  const out: Record<string, string> = {};
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(m[1]))) out[part[1].toLowerCase()] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : part[3];
  const algorithm = (out.algorithm || 'MD5').toUpperCase();
  if (algorithm !== 'MD5' && algorithm !== 'SHA-256') return null;
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce']) if (!out[k]) return null;
  if (!/^[0-9a-fA-F]{8}$/.test(out.nc)) return null;
  return { username: out.username, realm: out.realm, nonce: out.nonce, uri: out.uri, response: out.response,
    algorithm: algorithm as DigestAlgorithm, qop: out.qop, nc: out.nc, cnonce: out.cnonce, opaque: out.opaque };
}

const h = (alg: DigestAlgorithm, s: string) => createHash(HASH[alg]).update(s).digest('hex');

/** The `response` a client with this password computes (RFC 7616 §3.4.1, qop=auth). */
export function digestResponse(p: Omit<DigestParams, 'response' | 'opaque'>, method: string, password: string): string {
  const ha1 = h(p.algorithm, `${p.username}:${p.realm}:${password}`);
  const ha2 = h(p.algorithm, `${method}:${p.uri}`);
  return h(p.algorithm, `${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
}

export function challengeHeaders(realm: string, nonce: string, opaque: string, stale: boolean): string[] {
  // Preferred first (RFC 7616 §3.7); phones that know only MD5 take the second.
  return (['SHA-256', 'MD5'] as const).map((alg) =>
    `Digest realm="${realm}", qop="auth", algorithm=${alg}, nonce="${nonce}", opaque="${opaque}"${stale ? ', stale=true' : ''}`);
}

interface NonceDoc { _id: string; _rev?: string; pvt_type: 'digest_nonce'; ip: string; expires_at: number; nc: number }

export type NonceCheck = 'ok' | 'unknown' | 'stale' | 'replay' | 'other_ip';

export class NonceStore {
  readonly opaque = randomBytes(8).toString('hex');
  constructor(private app: AppContext) {}

  /** A new nonce for this IP; `store` false for requests that can never succeed (banned IPs). */
  async issue(ip: string, store = true): Promise<string> {
    const nonce = randomBytes(16).toString('hex');
    if (!store) return nonce;
    const doc: NonceDoc = { _id: `nonce:${nonce}`, pvt_type: 'digest_nonce', ip, expires_at: this.app.now() + NONCE_TTL_MS, nc: 0 };
    // Not stored (CouchDB down): the phone's answer to it will simply be refused.
    await this.app.stateDb.insert(doc).catch((err) => this.app.log.warn({ err: (err as Error).message }, 'digest nonce not stored'));
    return nonce;
  }

  /** Whether this use of the nonce is new; records the nonce count so the same request cannot pass twice. */
  async use(nonce: string, nc: string, ip: string): Promise<NonceCheck> {
    if (!/^[0-9a-f]{32}$/.test(nonce)) return 'unknown';
    const doc = await getOrNull<NonceDoc>(this.app.stateDb, `nonce:${nonce}`);
    if (!doc) return 'unknown';
    if (doc.expires_at < this.app.now()) return 'stale';
    if (doc.ip !== ip) return 'other_ip';
    const count = parseInt(nc, 16);
    if (!(count > doc.nc)) return 'replay';
    try {
      await this.app.stateDb.insert({ ...doc, nc: count });
    } catch (err) {
      // Two requests with one nonce at the same time: only the first one wins.
      if (statusOf(err) === 409) return 'replay';
      throw err;
    }
    return 'ok';
  }
}

/** Compares a client's digest response with the one each candidate password gives. */
export function digestMatches(p: DigestParams, method: string, passwords: string[]): number {
  for (let i = 0; i < passwords.length; i++) if (sameSecret(p.response.toLowerCase(), digestResponse(p, method, passwords[i]))) return i;
  return -1;
}

// HTTP Digest (RFC 7616) for phone requests: MD5 and SHA-256, qop=auth. A nonce is signed, not
// stored: it carries its issue time and an HMAC over that time and the source IP it was issued to,
// under a secret every instance reads from the state database (doc `digest-secret`). A challenge
// therefore costs no CouchDB write, however many strangers ask. The nonce counts a nonce has been used
// with are kept in memory for its lifetime, so the same request cannot pass twice (on this instance).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { sameSecret } from './same-secret.js';

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

export type NonceCheck = 'ok' | 'unknown' | 'stale' | 'replay';

export const SECRET_ID = 'digest-secret';
interface SecretDoc { _id: string; _rev?: string; pvt_type: 'digest_secret'; secret: string; created_at: number }

/**
 * Nonces in use at once (each entered only after its request's credentials were good, so strangers
 * cannot fill it); past it, a nonce is answered as stale and the phone asks again with a new one.
 */
const MAX_USED = 100_000;
const NONCE_RE = /^([0-9a-f]{12})([0-9a-f]{16})([0-9a-f]{32})$/;

export class NonceStore {
  readonly opaque = randomBytes(8).toString('hex');
  /** Until the shared secret is read, nonces are signed with this instance's own (valid here only). */
  private readonly local = randomBytes(32);
  private shared: Buffer | null = null;
  private loading: Promise<void> | null = null;
  /** nonce → highest nonce count used, oldest first. */
  private used = new Map<string, number>();
  constructor(private app: AppContext) {}

  /** Reads (or, the first instance ever, creates) the secret every instance signs with. */
  load(): Promise<void> {
    if (this.shared) return Promise.resolve();
    this.loading ??= this.readSecret().finally(() => { this.loading = null; });
    return this.loading;
  }

  private async readSecret(): Promise<void> {
    const db = this.app.stateDb;
    for (let attempt = 0; attempt < 3 && !this.shared; attempt++) {
      const doc = await getOrNull<SecretDoc>(db, SECRET_ID);
      if (doc) { this.shared = Buffer.from(doc.secret, 'hex'); break; }
      const secret = randomBytes(32).toString('hex');
      try {
        await db.insert({ _id: SECRET_ID, pvt_type: 'digest_secret', secret, created_at: this.app.now() } satisfies SecretDoc);
        this.shared = Buffer.from(secret, 'hex');
      } catch (err) {
        if (statusOf(err) !== 409) throw err; // another instance created it first: read theirs
      }
    }
  }

  private sign(key: Buffer, head: string, ip: string): string {
    return createHmac('sha256', key).update(`${head}|${ip}`).digest('hex').slice(0, 32);
  }

  /** A new nonce for this IP. No write anywhere: see the top of this file. */
  async issue(ip: string): Promise<string> {
    // CouchDB unreachable: this instance's own secret serves meanwhile.
    await this.load().catch((err) => this.app.log.warn({ err: (err as Error).message }, 'digest secret not read yet; nonces valid on this instance only'));
    const head = this.app.now().toString(16).padStart(12, '0') + randomBytes(8).toString('hex');
    return head + this.sign(this.shared ?? this.local, head, ip);
  }

  /** Whether this use of the nonce is new; records the nonce count so the same request cannot pass twice. */
  async use(nonce: string, nc: string, ip: string): Promise<NonceCheck> {
    const m = NONCE_RE.exec(nonce);
    if (!m) return 'unknown';
    const head = m[1] + m[2];
    const given = Buffer.from(m[3], 'hex');
    const signedBy = (key: Buffer | null) => !!key && timingSafeEqual(given, Buffer.from(this.sign(key, head, ip), 'hex'));
    // Another IP's nonce fails here too: the IP is part of what was signed.
    if (!signedBy(this.shared) && !signedBy(this.local)) return 'unknown';
    const now = this.app.now();
    if (parseInt(m[1], 16) + NONCE_TTL_MS < now) return 'stale';
    this.forgetExpired(now);
    const count = parseInt(nc, 16);
    const before = this.used.get(nonce);
    if (before === undefined && this.used.size >= MAX_USED) return 'stale';
    if (!(count > (before ?? 0))) return 'replay';
    this.used.set(nonce, count);
    return 'ok';
  }

  /** The map is in first-use order, nearly issue order: expired nonces are at its front. */
  private forgetExpired(now: number): void {
    for (const nonce of this.used.keys()) {
      if (parseInt(nonce.slice(0, 12), 16) + NONCE_TTL_MS >= now) break;
      this.used.delete(nonce);
    }
  }
}

/** Compares a client's digest response with the one each candidate password gives. */
export function digestMatches(p: DigestParams, method: string, passwords: string[]): number {
  for (let i = 0; i < passwords.length; i++) if (sameSecret(p.response.toLowerCase(), digestResponse(p, method, passwords[i]))) return i;
  return -1;
}

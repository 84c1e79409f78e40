// Verifies Kazoo auth tokens with Kazoo's crossbar (`/v2/auth/tokeninfo`), then reads the user's
// priv_level from the user doc in Kazoo's CouchDB (through crossbar when that cannot be read). Only a token Kazoo itself rejects becomes a 401:
// Monster UI logs the user out on a 401, so "Kazoo is down" must be a 503, never a 401.
import { createHash } from 'node:crypto';
import type { Services } from '../services.js';
import { HttpError } from '../http/errors.js';
import type { Principal, TokenVerifier } from './auth.js';

const TIMEOUT_MS = 2000;
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;

export interface TokenInfo { accountId: string; ownerId?: string }

export const kazooUnreachable = (why: string) =>
  new HttpError(503, 'kazoo_unreachable', `cannot check the auth token with Kazoo right now (${why}); try again shortly`);

/** The only form of a token that may appear in logs or cache keys. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Asks crossbar what a token stands for. Kazoo documents two forms: `POST /v2/auth/tokeninfo` with
 * `{"data":{"token":…}}` (keeps the token out of URLs and access logs) and, in older releases the
 * only one, `GET /v2/auth/tokeninfo?token=…`. We POST and fall back to GET once crossbar says 405.
 * Returns null when Kazoo rejects the token (401/403, or 404 "missing token"); throws 503 otherwise.
 */
export async function fetchTokenInfo(apiUrl: string, token: string, state: { useGet?: boolean } = {}): Promise<TokenInfo | null> {
  const url = `${apiUrl}/v2/auth/tokeninfo`;
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': token };
  let res: Response;
  try {
    res = state.useGet
      ? await fetch(`${url}?token=${encodeURIComponent(token)}`, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) })
      : await fetch(url, { method: 'POST', headers, body: JSON.stringify({ data: { token } }), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw kazooUnreachable(e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : e.cause?.code || e.message);
  }
  if (res.status === 405 && !state.useGet) {
    await res.body?.cancel();
    state.useGet = true;
    return fetchTokenInfo(apiUrl, token, state);
  }
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    throw kazooUnreachable(`crossbar answered ${res.status}`);
  }
  let body: { data?: { account_id?: unknown; owner_id?: unknown } };
  try {
    body = await res.json() as typeof body;
  } catch {
    throw kazooUnreachable('crossbar answered something that is not JSON');
  }
  const accountId = body?.data?.account_id;
  if (typeof accountId !== 'string' || !accountId) return null;
  const ownerId = typeof body.data?.owner_id === 'string' && body.data.owner_id ? body.data.owner_id : undefined;
  return { accountId, ownerId };
}

/** Seconds-since-epoch `exp` of a JWT, read without verifying (only to never cache past it). */
function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const exp = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))?.exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

interface Cached { principal: Principal | null; until: number }

/** Principals by token hash, for at most 60 s; concurrent checks of one token share one request. */
class TokenCache {
  private entries = new Map<string, Cached>();
  private pending = new Map<string, Promise<Principal | null>>();
  constructor(private now: () => number) {}

  get(key: string): Cached | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit;
    if (hit) this.entries.delete(key);
    return undefined;
  }

  set(key: string, principal: Principal | null, until: number): void {
    // A flood of made-up tokens must not grow memory without bound: drop the oldest.
    if (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { principal, until });
  }

  share(key: string, work: () => Promise<Principal | null>): Promise<Principal | null> {
    let p = this.pending.get(key);
    if (!p) {
      p = work().finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }
}

/**
 * The user's priv_level through crossbar (`GET /v2/accounts/{A}/users/{U}`, which Kazoo lets a user
 * read about themselves) with the caller's own token: for when Kazoo's CouchDB cannot be read from
 * here, as during the pushes Kazoo sends with the saving user's token. Null: crossbar has no answer.
 */
async function privLevelFromCrossbar(apiUrl: string, token: string, info: TokenInfo): Promise<string | null | undefined> {
  try {
    const res = await fetch(`${apiUrl}/v2/accounts/${info.accountId}/users/${info.ownerId}`, {
      headers: { accept: 'application/json', 'x-auth-token': token }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (res.status === 404) { await res.body?.cancel(); return undefined; }
    if (res.status !== 200) { await res.body?.cancel(); return null; }
    const level = ((await res.json()) as { data?: { priv_level?: unknown } })?.data?.priv_level;
    return typeof level === 'string' ? level : undefined;
  } catch {
    return null;
  }
}

async function principalFor(s: Services, info: TokenInfo, token: string, apiUrl: string): Promise<Principal> {
  // Tokens from an account API key (PUT /v2/api_auth) carry no owner: Kazoo lets them act as the
  // account, and Kazoo reuses them when scripts save devices, so they count as the account's admin.
  if (!info.ownerId) return { kind: 'kazoo', accountId: info.accountId, privLevel: 'admin' };
  let level: string | null | undefined;
  let name: string | undefined;
  try {
    const user = await s.kazoo.user(info.accountId, info.ownerId);
    level = user?.priv_level;
    name = userName(user);
  } catch (err) {
    level = await privLevelFromCrossbar(apiUrl, token, info);
    if (level === null) {
      throw new HttpError(503, 'kazoo_db_unreachable',
        `cannot read the user's privileges from Kazoo's database (${(err as Error).message}) nor from crossbar; try again shortly`);
    }
  }
  // A user doc that is gone leaves the least privilege, not a 401: the token itself is good.
  return { kind: 'kazoo', accountId: info.accountId, userId: info.ownerId, privLevel: level === 'admin' ? 'admin' : 'user',
    ...(name ? { name } : {}) };
}

function userName(u: { first_name?: unknown; last_name?: unknown; username?: unknown } | null | undefined): string | undefined {
  if (!u) return undefined;
  const full = [u.first_name, u.last_name].filter((v) => typeof v === 'string' && v).join(' ');
  const name = full || (typeof u.username === 'string' ? u.username : '');
  return name ? name.slice(0, 120) : undefined;
}

export function kazooTokenVerifier(s: Services): TokenVerifier | null {
  const apiUrl = s.app.config.kazooApiUrl;
  if (!apiUrl) return null;
  const now = () => s.app.now();
  const cache = new TokenCache(now);
  const crossbar: { useGet?: boolean } = {};
  return async (token) => {
    const key = tokenHash(token);
    const hit = cache.get(key);
    if (hit) return hit.principal;
    return cache.share(key, async () => {
      const info = await fetchTokenInfo(apiUrl, token, crossbar);
      const principal = info ? await principalFor(s, info, token, apiUrl) : null;
      const exp = jwtExpiry(token);
      cache.set(key, principal, Math.min(now() + CACHE_TTL_MS, exp ?? Infinity));
      s.app.log.debug({ token_sha256: key.slice(0, 12), account_id: info?.accountId, valid: !!principal,
        priv_level: principal?.privLevel }, 'kazoo token checked');
      return principal;
    });
  };
}

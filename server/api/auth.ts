// Who is calling /api/: resolves X-Auth-Token to a principal, and decides what it may do.
// PROVISION_ADMIN_TOKEN is a super-admin; Kazoo tokens are checked with Kazoo (see kazoo-auth.ts).
import type { Context, Middleware } from 'koa';
import type { Services } from '../services.js';
import { HttpError } from '../http/errors.js';
import { sameSecret } from '../security/same-secret.js';

export interface Principal {
  kind: 'superadmin' | 'kazoo';
  /** The account the token belongs to (Kazoo tokens). */
  accountId?: string;
  userId?: string;
  /** Kazoo priv_level of the user: 'admin' or 'user'. */
  privLevel?: 'admin' | 'user';
  /** The user's name as Kazoo has it, for the audit trail. */
  name?: string;
}

export const unauthorized = (message = 'a valid X-Auth-Token is required; log in again') =>
  new HttpError(401, 'invalid_credentials', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

export type TokenVerifier = (token: string) => Promise<Principal | null>;

/** Sets ctx.state.principal or answers 401. */
export function requireAuth(s: Services, verifyKazoo: TokenVerifier | null): Middleware {
  return async (ctx, next) => {
    const token = ctx.get('x-auth-token');
    if (!token) throw unauthorized('this endpoint needs an X-Auth-Token header');
    const admin = s.app.config.adminToken;
    let principal: Principal | null = null;
    if (admin && sameSecret(token, admin)) principal = { kind: 'superadmin' };
    else if (verifyKazoo) principal = await verifyKazoo(token);
    if (!principal) throw unauthorized();
    ctx.state.principal = principal;
    await next();
  };
}

export function principalOf(ctx: Context): Principal {
  const p = ctx.state.principal as Principal | undefined;
  if (!p) throw unauthorized();
  return p;
}

/** Admin of the account itself or of one of its ancestors (resellers), or the super-admin. */
export function isAccountAdmin(s: Services, p: Principal, accountId: string): boolean {
  if (p.kind === 'superadmin') return true;
  return p.privLevel === 'admin' && !!p.accountId && s.kazoo.isSelfOrAncestor(p.accountId, accountId);
}

export function requireAccountAdmin(s: Services, ctx: Context, accountId: string): Principal {
  const p = principalOf(ctx);
  if (!isAccountAdmin(s, p, accountId)) throw forbidden('this needs an administrator of the account');
  return p;
}

/**
 * A user of the account acting on something they own (ownerId), or an admin. Returns whether the
 * caller is an admin, so routes can widen what they show.
 */
export function requireOwnerOrAdmin(s: Services, ctx: Context, accountId: string, ownerId: string | undefined): { admin: boolean } {
  const p = principalOf(ctx);
  if (isAccountAdmin(s, p, accountId)) return { admin: true };
  if (p.kind === 'kazoo' && p.accountId === accountId && p.userId && ownerId && p.userId === ownerId) return { admin: false };
  throw forbidden(p.accountId === accountId ? 'users may act only on devices they own' : 'this token belongs to another account');
}

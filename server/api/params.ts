// URL parameters every API route takes, checked once: a clear 400 naming the parameter otherwise.
import type { Context } from 'koa';
import { isAccountId } from '../couch/names.js';
import { badRequest } from '../http/errors.js';
import { normalizeMac } from '../kazoo/mac.js';

export function accountParam(ctx: Context): string {
  const id = ctx.params.accountId;
  if (!isAccountId(id)) throw badRequest(`"${String(id).slice(0, 40)}" is not a Kazoo account id (32 lowercase hex digits)`, { field: 'accountId' });
  return id;
}

export function macParam(ctx: Context): string {
  const mac = normalizeMac(ctx.params.mac);
  if (!mac) throw badRequest(`"${String(ctx.params.mac).slice(0, 40)}" is not a MAC address (12 hex digits, separators : - . allowed)`, { field: 'mac' });
  return mac;
}

// URL parameters every API route takes, checked once: a clear 400 naming the parameter otherwise.
import type { Context } from 'koa';
import { BRAND_KEY, TEMPLATE_ID } from '../catalog/ids.js';
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

const KAZOO_ID = /^[0-9a-f]{32}$/;

/** Kazoo document ids (devices, users) are 32 lowercase hex digits, like account ids. */
export function kazooIdParam(ctx: Context, name: string): string {
  const id = ctx.params[name];
  if (typeof id !== 'string' || !KAZOO_ID.test(id)) throw badRequest(`"${String(id).slice(0, 40)}" is not a Kazoo ${name.replace(/Id$/, '')} id (32 lowercase hex digits)`, { field: name });
  return id;
}

export function templateIdParam(ctx: Context): string {
  const id = ctx.params.id;
  if (typeof id !== 'string' || !TEMPLATE_ID.test(id)) throw badRequest(`"${String(id).slice(0, 80)}" is not a template id (ui/<brand>/<family>/<model>)`, { field: 'id' });
  return id;
}

export function brandParam(ctx: Context): string {
  const brand = ctx.params.brand;
  if (typeof brand !== 'string' || !BRAND_KEY.test(brand)) throw badRequest(`"${String(brand).slice(0, 40)}" is not a brand key (lowercase letters)`, { field: 'brand' });
  return brand;
}

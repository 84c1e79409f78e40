// Bulk import of desk phones: a CSV of MAC, model, user, name becomes Kazoo devices, created through
// crossbar with the operator's token, as SmartPBX's "Add SIP phone" writes them. Every row is checked
// first; one bad row and nothing is written. A failure while writing removes what was already created.
import { randomBytes, randomInt } from 'node:crypto';
import { HttpError } from '../http/errors.js';
import { normalizeMac } from '../kazoo/mac.js';
import type { Lookup } from '../kazoo/mac-index.js';
import { crossbar } from '../kazoo/crossbar.js';
import { parseCsv } from './csv.js';

export const MAX_CSV_CHARS = 256 * 1024;
export const MAX_ROWS = 1000;
const COLUMNS = ['mac', 'model', 'user', 'name'] as const;
const KAZOO_ID = /^[0-9a-f]{32}$/;

export interface RowResult {
  line: number; mac: string; model: string; user: string; name: string;
  status: 'ok' | 'error' | 'created'; errors: string[]; device_id?: string;
}

/** What the check needs to know, passed in (tests and routes give the live caches). */
export interface ImportLookups {
  template(brand: string, family: string, model: string): { endpoint_brand: string; endpoint_family: string | number; endpoint_model: string | number } | undefined;
  macOwner(mac: string): Lookup;
  userExists(userId: string): Promise<boolean>;
}

const tooLarge = (message: string) => new HttpError(413, 'too_large', message);

/** Rows of the CSV by header name; a missing column or an oversized file is a 400/413 for the whole file. */
export function readRows(csv: unknown): Array<Omit<RowResult, 'status' | 'errors'>> {
  if (typeof csv !== 'string' || !csv.trim()) throw new HttpError(400, 'bad_request', 'send the CSV text in data.csv (a header line mac,model,user,name, then one line per phone)', { field: 'csv' });
  if (csv.length > MAX_CSV_CHARS) throw tooLarge(`the CSV is ${csv.length} characters; at most ${MAX_CSV_CHARS} are taken at once — split the file`);
  let table: string[][];
  try { table = parseCsv(csv.replace(/^\uFEFF/, '')); } catch (err) { throw new HttpError(400, 'bad_request', `the CSV cannot be read: ${(err as Error).message}`); }
  const header = table.shift()!.map((h) => h.trim().toLowerCase());
  const missing = COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) throw new HttpError(400, 'bad_request', `the CSV's first line must name the columns ${COLUMNS.join(',')}; missing: ${missing.join(', ')}`, { missing });
  if (!table.length) throw new HttpError(400, 'bad_request', 'the CSV has a header but no phones');
  if (table.length > MAX_ROWS) throw tooLarge(`the CSV has ${table.length} phones; at most ${MAX_ROWS} are taken at once — split the file`);
  const at = Object.fromEntries(COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<typeof COLUMNS[number], number>;
  return table.map((r, i) => ({ line: i + 2, mac: (r[at.mac] || '').trim(), model: (r[at.model] || '').trim(),
    user: (r[at.user] || '').trim(), name: (r[at.name] || '').trim() }));
}

/** Every row's verdict, with every reason a row is refused. */
export async function checkRows(accountId: string, rows: Array<Omit<RowResult, 'status' | 'errors'>>, look: ImportLookups): Promise<RowResult[]> {
  const seen = new Map<string, number>();
  const out: RowResult[] = [];
  for (const r of rows) {
    const errors: string[] = [];
    const mac = normalizeMac(r.mac);
    if (!mac) errors.push(`"${r.mac.slice(0, 40)}" is not a MAC address (12 hex digits, separators : - . allowed)`);
    else if (seen.has(mac)) errors.push(`the MAC is also on line ${seen.get(mac)} of this file`);
    else {
      seen.set(mac, r.line);
      const owner = look.macOwner(mac);
      if (owner.kind === 'devices') errors.push(owner.accountId === accountId ? `the MAC is already used by device ${owner.entries[0].device_id} of this account` : 'the MAC is already used by a device of another account');
      else if (owner.kind === 'conflict') errors.push('the MAC is already used by devices of other accounts');
    }
    const [brand, family, model, ...rest] = r.model.toLowerCase().split('/');
    if (!brand || !family || !model || rest.length) errors.push(`"${r.model.slice(0, 80)}" is not a model: write brand/family/model as the catalog names them (e.g. yealink/t4x/t46s)`);
    else if (!look.template(brand, family, model)) errors.push(`the catalog has no model ${r.model.slice(0, 80)}; GET /api/phones lists the brands, families and models`);
    if (r.user && !KAZOO_ID.test(r.user)) errors.push(`"${r.user.slice(0, 40)}" is not a Kazoo user id (32 lowercase hex digits); leave it empty for a phone without owner`);
    else if (r.user && !(await look.userExists(r.user))) errors.push(`this account has no user ${r.user}`);
    if (!r.name) errors.push('the name is empty: Kazoo needs a device name');
    else if (r.name.length > 128) errors.push('the name is longer than 128 characters');
    out.push({ ...r, ...(mac ? { mac } : {}), status: errors.length ? 'error' : 'ok', errors });
  }
  return out;
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** `n` characters of a-z0-9, each drawn uniformly: always exactly n, unlike filtered base64. */
function randomLowerAlnum(n: number): string {
  return Array.from({ length: n }, () => LOWER_ALNUM[randomInt(LOWER_ALNUM.length)]).join('');
}

/** The device SmartPBX's "Add SIP phone" would PUT for the row (reference §1.7). */
export function deviceFor(row: RowResult, template: NonNullable<ReturnType<ImportLookups['template']>>, realm: string | undefined) {
  return {
    device_type: 'sip_device', enabled: true, name: row.name, mac_address: row.mac.match(/../g)!.join(':'),
    ...(row.user ? { owner_id: row.user } : {}),
    provision: { endpoint_brand: template.endpoint_brand, endpoint_family: String(template.endpoint_family), endpoint_model: String(template.endpoint_model) },
    sip: { username: `user_${randomLowerAlnum(10)}`,
      password: randomBytes(9).toString('base64url'), ...(realm ? { realm } : {}) },
    suppress_unregister_notifications: false,
  };
}

/**
 * Creates the checked rows one by one. If Kazoo refuses one (a MAC taken meanwhile), the devices
 * created so far are deleted again and the refusal is reported on its row.
 */
export async function createDevices(apiUrl: string, token: string, accountId: string, rows: RowResult[],
  deviceOf: (r: RowResult) => Record<string, unknown>): Promise<{ ok: boolean; rows: RowResult[] }> {
  const created: RowResult[] = [];
  for (const row of rows) {
    const res = await crossbar(apiUrl, token, 'PUT', `accounts/${accountId}/devices`, deviceOf(row));
    const id = (res.data as { id?: unknown } | undefined)?.id;
    if ((res.status === 200 || res.status === 201) && typeof id === 'string') { created.push(Object.assign(row, { status: 'created' as const, device_id: id })); continue; }
    row.status = 'error';
    row.errors.push(`Kazoo refused the device (${res.status} ${res.message || ''}); nothing of this import was kept`.replace(' )', ')'));
    for (const c of created) {
      await crossbar(apiUrl, token, 'DELETE', `accounts/${accountId}/devices/${c.device_id}`).catch(() => undefined);
      c.status = 'ok'; delete c.device_id;
    }
    return { ok: false, rows };
  }
  return { ok: true, rows };
}

// The audit trail: who changed what, when, with a diff (secrets masked). One function for every
// feature to call — record() — and one query per account. Events live in the state database
// (`audit:<scope>:<time>:<random>`; scope is the account id, or "catalog" for the shared catalog) and
// expire after AUDIT_RETENTION_DAYS through the security sweeper (view state/provision_expiring).
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { jsonDiff, maskSecrets, type Change } from './diff.js';

/** Who acted: a Kazoo user (id + name), an account's API key, the admin token, or the system itself. */
export interface Actor { type: 'kazoo_user' | 'api_key' | 'admin_token' | 'system'; id?: string; name?: string; account_id?: string }

/** What the principal of a request (server/api/auth.ts) is, in an event. Structural, so no upward import. */
export function actorOf(p: { kind: 'superadmin' | 'kazoo'; accountId?: string; userId?: string; name?: string } | null | undefined): Actor {
  if (!p) return { type: 'system' };
  if (p.kind === 'superadmin') return { type: 'admin_token', name: 'PROVISION_ADMIN_TOKEN' };
  if (!p.userId) return { type: 'api_key', account_id: p.accountId, name: 'account API key' };
  return { type: 'kazoo_user', id: p.userId, account_id: p.accountId, ...(p.name ? { name: p.name } : {}) };
}

export const CATALOG_SCOPE = 'catalog';

export interface AuditObject { type: string; id: string }

export interface AuditEvent {
  _id: string; pvt_type: 'audit_event';
  /** The tenant, absent for catalog events (scope "catalog"). */
  account_id?: string; scope: string;
  at: number; expires_at: number; who: Actor; object: AuditObject; action: string;
  changes: Change[];
  /** Facts beside the diff (ids, counts; masked like the diff). */
  details?: Record<string, unknown>;
}

export interface RecordInput {
  /** The tenant the object belongs to; null for the catalog. */
  accountId: string | null; who: Actor; object: AuditObject; action: string;
  before?: unknown; after?: unknown; details?: Record<string, unknown>;
}

const objectKey = (o: AuditObject) => `${o.type}:${o.id}`;
const pad = (n: number) => String(n).padStart(15, '0');

/**
 * Stores one event. Never throws: an audit store that is down must not undo the change it records
 * (the event still goes to the log, ids only).
 */
export async function record(app: AppContext, input: RecordInput): Promise<AuditEvent | null> {
  const at = app.now();
  const scope = input.accountId ?? CATALOG_SCOPE;
  const event: AuditEvent = {
    _id: `audit:${scope}:${pad(at)}:${randomBytes(4).toString('hex')}`, pvt_type: 'audit_event',
    ...(input.accountId ? { account_id: input.accountId } : {}), scope, at,
    expires_at: at + app.config.auditRetentionDays * 86_400_000, who: input.who, object: input.object, action: input.action,
    changes: jsonDiff(input.before, input.after),
    ...(input.details ? { details: maskSecrets(input.details) as Record<string, unknown> } : {}),
  };
  app.log.info({ scope, object: objectKey(input.object), audit_action: input.action, who: input.who.type, who_id: input.who.id,
    changes: event.changes.length }, `audit ${input.action}`);
  try {
    await app.stateDb.insert(event as never);
    return event;
  } catch (err) {
    app.log.warn({ scope, audit_action: input.action, err: (err as Error).message }, 'audit event not stored');
    return null;
  }
}

export interface AuditPage { events: Array<Omit<AuditEvent, '_id' | 'pvt_type' | 'expires_at'> & { id: string }>; next: string | null }

/** One scope's events, newest first, `limit` a page; `next` is the key to pass as `start` for the following page. */
export async function query(app: AppContext, scope: string, opts: { object?: AuditObject; limit: number; start?: string }): Promise<AuditPage> {
  const limit = Math.max(1, Math.min(opts.limit, 200));
  let rows: Array<{ id: string; key: unknown; doc?: AuditEvent }>;
  if (opts.object) {
    const ok = objectKey(opts.object);
    const res = await app.bulk.stateDb.view('state', 'audit_by_object', {
      startkey: [scope, ok, opts.start ?? '\ufff0'], endkey: [scope, ok, ''], descending: true, include_docs: true, limit: limit + 1 });
    rows = res.rows as never;
  } else {
    const res = await app.bulk.stateDb.list({ startkey: opts.start ?? `audit:${scope}:\ufff0`, endkey: `audit:${scope}:`,
      descending: true, include_docs: true, limit: limit + 1 });
    rows = res.rows as never;
  }
  const docs = rows.filter((r) => r.doc && (r.doc as { _deleted?: boolean })._deleted !== true).slice(0, limit + 1);
  const more = docs.length > limit;
  return {
    events: docs.slice(0, limit).map((r) => {
      const { _id, pvt_type: _t, expires_at: _e, _rev: _r, ...rest } = r.doc as AuditEvent & { _rev?: string };
      return { id: _id, ...rest };
    }),
    next: more ? docs[limit].id : null,
  };
}

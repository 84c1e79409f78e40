// Earlier revisions of templates, kept by us: CouchDB's own revisions are no history (compaction drops
// their bodies). Each save keeps a copy (`tplrev:<template id>:<time>:<random>` in the state
// database), the newest TEMPLATE_REVISIONS_KEPT per template; a rollback saves an old copy as the
// newest revision, through the same validated catalog write as any edit.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { notFound } from '../http/errors.js';
import { record, type Actor } from './log.js';

interface RevisionDoc {
  _id: string; _rev?: string; pvt_type: 'template_revision'; template_id: string; at: number; who: Actor;
  template: Record<string, unknown>;
}

export interface RevisionInfo { revision: string; at: number; who: Actor; couch_rev?: string }

const prefix = (templateId: string) => `tplrev:${templateId}:`;
const pad = (n: number) => String(n).padStart(15, '0');
/** The body as saved, without CouchDB's bookkeeping (a rollback writes it with the current _rev). */
const bodyOf = ({ _rev: _r, _revisions: _v, pvt_seed_hash: _h, ...rest }: Record<string, unknown>) => rest;

async function revisionDocs(app: AppContext, templateId: string, limit?: number): Promise<RevisionDoc[]> {
  const res = await app.bulk.stateDb.list({ startkey: `${prefix(templateId)}\ufff0`, endkey: prefix(templateId), descending: true,
    include_docs: true, ...(limit ? { limit } : {}) });
  return (res.rows as Array<{ doc?: RevisionDoc }>).map((r) => r.doc!).filter((d) => d && d.pvt_type === 'template_revision');
}

async function keep(app: AppContext, doc: Record<string, unknown>, who: Actor, at: number): Promise<void> {
  const id = String(doc._id);
  const rev: RevisionDoc = { _id: `${prefix(id)}${pad(at)}:${randomBytes(3).toString('hex')}`, pvt_type: 'template_revision',
    template_id: id, at, who, template: { ...bodyOf(doc), ...(doc._rev ? { pvt_couch_rev: doc._rev } : {}) } };
  await app.stateDb.insert(rev as never);
}

async function prune(app: AppContext, templateId: string): Promise<void> {
  const all = await revisionDocs(app, templateId);
  const old = all.slice(app.config.templateRevisionsKept);
  if (old.length) await app.stateDb.bulk({ docs: old.map((d) => ({ _id: d._id, _rev: d._rev, _deleted: true })) as never });
}

/**
 * After a template was saved (created, edited, imported, rolled back) or deleted (`after` null):
 * the audit event with its diff, and the new revision kept. A template saved before history existed
 * gets its earlier body kept first, so the first edit can be undone too.
 */
export async function templateChanged(app: AppContext, who: Actor, action: string, before: Record<string, unknown> | null,
  after: Record<string, unknown> | null, details?: Record<string, unknown>): Promise<void> {
  const id = String((after ?? before)!._id);
  await record(app, { accountId: null, who, object: { type: 'template', id }, action, before: before ?? undefined,
    after: after ?? undefined, details });
  try {
    const now = app.now();
    if (before && !(await revisionDocs(app, id, 1)).length) await keep(app, before, { type: 'system', name: 'before history was kept' }, now - 1);
    if (after) await keep(app, after, who, now);
    await prune(app, id);
  } catch (err) {
    app.log.warn({ template: id, err: (err as Error).message }, 'template revision not kept');
  }
}

export async function revisions(app: AppContext, templateId: string): Promise<RevisionInfo[]> {
  return (await revisionDocs(app, templateId)).map((d) => ({ revision: d._id.slice(prefix(templateId).length), at: d.at, who: d.who,
    ...(d.template.pvt_couch_rev ? { couch_rev: String(d.template.pvt_couch_rev) } : {}) }));
}

/** The template body of one kept revision (as it was saved, ready to be saved again). */
export async function revisionBody(app: AppContext, templateId: string, revision: string): Promise<Record<string, unknown>> {
  if (!/^[0-9]{15}:[0-9a-f]{6}$/.test(revision)) throw notFound(`"${revision.slice(0, 40)}" is not a revision of ${templateId}; list them with GET …/history`);
  const res = await app.stateDb.list({ keys: [`${prefix(templateId)}${revision}`], include_docs: true });
  const doc = (res.rows[0] as { doc?: RevisionDoc } | undefined)?.doc;
  if (!doc || doc.pvt_type !== 'template_revision' || doc.template_id !== templateId) {
    throw notFound(`no kept revision ${revision} of ${templateId} (it may be older than the last ${app.config.templateRevisionsKept})`);
  }
  const { pvt_couch_rev: _c, ...body } = doc.template;
  return body;
}

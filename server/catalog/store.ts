// Writes to the catalog: every path (API, import, CLI) validates here, writes with the caller's
// _rev (a stale one is a 409, never a lost update), then brings the brand tree up to date.
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { HttpError, conflict, notFound } from '../http/errors.js';
import type { CatalogCache } from './cache.js';
import { validateCatalogDoc } from './schemas.js';
import { PROFILE_ID, TEMPLATE_ID } from './ids.js';
import { refreshTree } from './tree.js';

export const invalid = (problems: Array<{ pointer: string; message: string }>) =>
  new HttpError(400, 'validation_failed', `${problems[0].pointer} ${problems[0].message}` +
    (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''), { problems, pointer: problems[0].pointer });

export class CatalogStore {
  constructor(private app: AppContext, private cache: CatalogCache) {}

  async get(id: string): Promise<Record<string, unknown>> {
    // Checked before the read: only a template or a profile may be named here.
    if (!TEMPLATE_ID.test(id) && !PROFILE_ID.test(id)) throw notFound(`no catalog document ${id.slice(0, 80)}`);
    const doc = await getOrNull<any>(this.app.catalogDb, id);
    if (!doc) throw notFound(`no catalog document ${id}`);
    return doc;
  }

  /** Creates (no _rev) or updates (with the _rev the caller read) one template or profile. */
  async save(doc: Record<string, unknown>, mode: 'create' | 'update'): Promise<Record<string, unknown>> {
    const problems = validateCatalogDoc(doc);
    if (problems.length) throw invalid(problems);
    if (mode === 'update' && !doc._rev) throw invalid([{ pointer: '/_rev', message: 'is required to update: send the _rev you read' }]);
    const { pvt_seed_hash: _ignored, ...clean } = doc;
    if (mode === 'create') delete clean._rev;
    try {
      const res = await this.app.catalogDb.insert(clean);
      const saved: Record<string, unknown> = { ...clean, _rev: res.rev };
      this.cache.apply(saved._id as string, saved);
      if (saved.pvt_type === 'provisioner' || saved.pvt_type === 'vendor_profile') await this.refreshTree();
      return saved;
    } catch (err) {
      if (statusOf(err) === 409) {
        throw conflict(mode === 'create' ? `${clean._id} already exists; update it with its _rev instead`
          : `${clean._id} was changed by someone else since you read it; read it again and reapply your change`);
      }
      if (statusOf(err) === 403) throw invalid([{ pointer: '/', message: (err as { reason?: string }).reason || 'rejected by the catalog' }]);
      throw err;
    }
  }

  async remove(id: string, rev: string | undefined): Promise<void> {
    if (!rev) throw invalid([{ pointer: '/_rev', message: 'is required to delete: pass ?rev=<the _rev you read>' }]);
    const current = await this.get(id);
    try {
      await this.app.catalogDb.destroy(id, rev);
    } catch (err) {
      // A revision that is not the current one: Apache CouchDB says 409, the embedded server 404
      // ("missing"); one that is not a revision at all, 400. Never a 500 for the caller's ?rev=.
      const status = statusOf(err);
      if (status === 409 || status === 404) throw conflict(`${id} was changed since you read it (or ?rev= is not its _rev); read it again`);
      if (status === 400) throw invalid([{ pointer: '/_rev', message: `${String(rev).slice(0, 80)} is not a CouchDB revision: pass ?rev=<the _rev you read>` }]);
      throw err;
    }
    this.cache.apply(id, null);
    if (current.pvt_type === 'provisioner' || current.pvt_type === 'vendor_profile') await this.refreshTree();
  }

  /** The tree in CouchDB and in this instance's memory at once (other instances follow the feed). */
  private async refreshTree(): Promise<void> {
    const tree = await refreshTree(this.app.catalogDb);
    if (tree) this.cache.apply('phonetree', tree);
  }
}

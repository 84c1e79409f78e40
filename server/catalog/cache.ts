// The whole catalog in memory (it is small: ~100 documents), loaded at start and kept fresh from
// the catalog database's _changes feed, so phone requests never wait on CouchDB for it.
import type { AppContext } from '../context.js';
import { follow, type Follower } from '../couch/follow.js';
import type { Tree } from './tree.js';
import type { ProfileDoc, TemplateDoc } from './types.js';

export const modelPath = (brand: unknown, family: unknown, model: unknown) =>
  `${String(brand)}/${String(family)}/${String(model)}`.toLowerCase();

const aliasPaths = (t: TemplateDoc) => (Array.isArray(t.model_aliases) ? t.model_aliases : [])
  .map((a) => modelPath(t.endpoint_brand, t.endpoint_family, a));

export class CatalogCache {
  private templates = new Map<string, TemplateDoc>();
  private byModel = new Map<string, TemplateDoc>();
  /** Former model keys (model_aliases) → the template that took them over; a real template wins. */
  private byAlias = new Map<string, TemplateDoc>();
  private profiles = new Map<string, ProfileDoc>();
  private brandByAlias = new Map<string, string>();
  private tree: Tree = {};
  private follower: Follower | null = null;
  /** Bumped on every catalog change; part of render-cache keys. */
  generation = 0;
  private listeners: Array<(id: string) => void> = [];

  constructor(private app: AppContext) {}

  async start(): Promise<void> {
    const info = await this.app.catalogDb.info();
    const all = await this.app.bulk.catalogDb.list({ include_docs: true });
    for (const row of all.rows) if (row.doc) this.apply(row.id, row.doc as Record<string, unknown>, false);
    this.follower = follow(this.app.couch.feed.use(this.app.names.catalog), {
      since: String(info.update_seq), includeDocs: true, log: this.app.log, label: 'catalog',
      onChanges: (changes) => { for (const c of changes) this.apply(c.id, c.deleted ? null : c.doc || null, true); },
    });
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
  }

  onChange(fn: (id: string) => void): void {
    this.listeners.push(fn);
  }

  /** Applies one document (null = deleted). Also used by write paths so a write is visible at once. */
  apply(id: string, doc: Record<string, unknown> | null, notify = true): void {
    const old = this.templates.get(id);
    if (old) {
      this.byModel.delete(modelPath(old.endpoint_brand, old.endpoint_family, old.endpoint_model));
      for (const path of aliasPaths(old)) if (this.byAlias.get(path) === old) this.byAlias.delete(path);
    }
    this.templates.delete(id);
    if (id.startsWith('profile/')) {
      const brand = id.slice('profile/'.length);
      const prev = this.profiles.get(brand);
      for (const a of prev?.aliases || []) this.brandByAlias.delete(a);
      this.profiles.delete(brand);
    }
    if (doc && !doc._deleted) {
      if (doc.pvt_type === 'provisioner' && !doc.pvt_deleted) {
        const t = doc as unknown as TemplateDoc;
        this.templates.set(id, t);
        this.byModel.set(modelPath(t.endpoint_brand, t.endpoint_family, t.endpoint_model), t);
        for (const path of aliasPaths(t)) this.byAlias.set(path, t);
      } else if (doc.pvt_type === 'vendor_profile') {
        const p = doc as unknown as ProfileDoc;
        this.profiles.set(p.brand, p);
        for (const a of p.aliases || []) this.brandByAlias.set(a, p.brand);
      } else if (doc.pvt_type === 'provisionertree') {
        this.tree = (doc.data || {}) as Tree;
      }
    }
    this.generation++;
    if (notify) for (const fn of this.listeners) fn(id);
  }

  /** The template of a model, also by a former key: devices saved as `polycom/vvx/400` keep rendering. */
  template(brand: unknown, family: unknown, model: unknown): TemplateDoc | undefined {
    const path = modelPath(brand, family, model);
    return this.byModel.get(path) || this.byAlias.get(path);
  }

  templateById(id: string): TemplateDoc | undefined {
    return this.templates.get(id);
  }

  allTemplates(): TemplateDoc[] {
    return [...this.templates.values()];
  }

  profile(brandOrAlias: string): ProfileDoc | undefined {
    const b = brandOrAlias.toLowerCase();
    return this.profiles.get(this.brandByAlias.get(b) || b);
  }

  allProfiles(): ProfileDoc[] {
    return [...this.profiles.values()];
  }

  phoneTree(): Tree {
    return this.tree;
  }
}

// The Kazoo documents phones' files are made from (account, users, devices), in memory: the MAC
// index's sweep reads every changed document anyway and hands it over here, so a cold render usually
// needs no CouchDB request; what the sweep has not seen since start is read once, by key.
import type { KazooDirectory } from '../kazoo/directory.js';
import type { MacIndex } from '../kazoo/mac-index.js';

const MAX = 250_000;

export class KazooDocCache {
  private docs = new Map<string, Record<string, any>>();

  constructor(private kazoo: KazooDirectory, index: MacIndex) {
    index.onChange((c) => {
      if (c.kind === 'other') return;
      if (c.doc) this.put(`${c.accountId}/${c.docId}`, c.doc);
      else this.docs.delete(`${c.accountId}/${c.docId}`);
    });
    kazoo.onAccountChange((accountId) => this.docs.delete(`${accountId}/${accountId}`));
  }

  private put(key: string, doc: Record<string, any>): void {
    if (this.docs.size >= MAX) this.docs.clear();
    this.docs.set(key, doc);
  }

  /** The documents of one account database, from memory where possible, the rest in one request. */
  async get(accountId: string, ids: string[]): Promise<Map<string, any>> {
    const out = new Map<string, any>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.docs.get(`${accountId}/${id}`);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length) {
      const fetched = await this.kazoo.docs<Record<string, any>>(accountId, missing);
      for (const [id, doc] of fetched) {
        out.set(id, doc);
        this.put(`${accountId}/${id}`, doc);
      }
    }
    return out;
  }
}

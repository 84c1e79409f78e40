// The Kazoo documents phones' files are made from (account, users, devices), in memory: the MAC
// index's sweep reads every changed document anyway and hands it over here, so a cold render usually
// needs no CouchDB request. What the sweep has not seen since start is read per account: the first
// phone of an account to call brings in the whole account's phones and their users, in two requests,
// so the rest of its office booting with it reads nothing.
import type { KazooDirectory, KazooDevice } from '../kazoo/directory.js';
import type { MacIndex } from '../kazoo/mac-index.js';
import { keyUserIds } from '../render/keys.js';

const MAX = 250_000;
/** Keys per `_all_docs` request when an account is read in. */
const CHUNK = 500;

export class KazooDocCache {
  private docs = new Map<string, Record<string, any>>();
  /** Accounts whose phones were read in since start (or since the cache was last emptied). */
  private warmed = new Map<string, Promise<void>>();

  constructor(private kazoo: KazooDirectory, private index: Pick<MacIndex, 'onChange' | 'deviceIdsOfAccount'>) {
    index.onChange((c) => {
      if (c.kind === 'other') return;
      if (c.doc) this.put(`${c.accountId}/${c.docId}`, c.doc);
      else this.docs.delete(`${c.accountId}/${c.docId}`);
    });
    kazoo.onAccountChange((accountId) => this.docs.delete(`${accountId}/${accountId}`));
  }

  private put(key: string, doc: Record<string, any>): void {
    if (this.docs.size >= MAX) { this.docs.clear(); this.warmed.clear(); }
    this.docs.set(key, doc);
  }

  /** The documents of one account database, from memory where possible, the rest in one request. */
  async get(accountId: string, ids: string[]): Promise<Map<string, any>> {
    const wanted = [...new Set(ids)];
    if (wanted.some((id) => !this.docs.has(`${accountId}/${id}`))) await this.warm(accountId);
    const out = new Map<string, any>();
    const missing: string[] = [];
    for (const id of wanted) {
      const hit = this.docs.get(`${accountId}/${id}`);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length) for (const [id, doc] of await this.fetch(accountId, missing)) out.set(id, doc);
    return out;
  }

  /** Reads the account, its indexed phones and their users, once; concurrent callers share the reads. */
  private warm(accountId: string): Promise<void> {
    let p = this.warmed.get(accountId);
    if (!p) {
      p = (async () => {
        const devices = await this.fetch(accountId, [accountId, ...this.index.deviceIdsOfAccount(accountId)]);
        const users = new Set<string>();
        for (const d of devices.values() as Iterable<KazooDevice>) {
          if (d.pvt_type !== 'device') continue;
          if (d.owner_id) users.add(d.owner_id);
          for (const id of keyUserIds(d.provision?.combo_keys, d.provision?.feature_keys)) users.add(id);
        }
        await this.fetch(accountId, [...users].filter((id) => !this.docs.has(`${accountId}/${id}`)));
      })();
      // A failed read is tried again by the next phone, not remembered.
      p.catch(() => this.warmed.delete(accountId));
      this.warmed.set(accountId, p);
    }
    return p.catch(() => undefined);
  }

  private async fetch(accountId: string, ids: string[]): Promise<Map<string, Record<string, any>>> {
    const out = new Map<string, Record<string, any>>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const fetched = await this.kazoo.docs<Record<string, any>>(accountId, ids.slice(i, i + CHUNK));
      for (const [id, doc] of fetched) {
        out.set(id, doc);
        this.put(`${accountId}/${id}`, doc);
      }
    }
    return out;
  }
}

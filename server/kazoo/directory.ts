// Kazoo's accounts, read from Kazoo's CouchDB: every account doc of the `accounts` database in
// memory (realm → account, account → ancestors), kept fresh from its _changes feed; device and user
// documents fetched from the account databases by id (one key read, never a scan).
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { follow, type Follower } from '../couch/follow.js';
import { accountDbName, isAccountId } from '../couch/names.js';

export interface KazooAccount {
  _id: string; _rev?: string; name?: string; realm?: string; timezone?: string; language?: string;
  enabled?: boolean; pvt_enabled?: boolean; pvt_tree?: string[]; reseller_id?: string; pvt_reseller_id?: string;
  provision?: Record<string, unknown>; pvt_deleted?: boolean; [k: string]: unknown;
}
export interface KazooDevice {
  _id: string; _rev?: string; name?: string; device_type?: string; enabled?: boolean; owner_id?: string;
  mac_address?: string; sip?: { username?: string; password?: string; realm?: string; expire_seconds?: number; [k: string]: unknown };
  provision?: { endpoint_brand?: string; endpoint_family?: string | number; endpoint_model?: string | number;
    feature_keys?: Record<string, unknown>; combo_keys?: Record<string, unknown>; [k: string]: unknown };
  media?: { audio?: { codecs?: string[]; tx_volume?: number; rx_volume?: number }; [k: string]: unknown };
  timezone?: string; language?: string; presence_id?: string; pvt_type?: string; pvt_deleted?: boolean;
  [k: string]: unknown;
}
export interface KazooUser {
  _id: string; _rev?: string; first_name?: string; last_name?: string; username?: string; priv_level?: string;
  presence_id?: string | number; timezone?: string; language?: string; enabled?: boolean; pvt_type?: string;
  caller_id?: { internal?: { name?: string; number?: string } }; [k: string]: unknown;
}

export class KazooDirectory {
  private accounts = new Map<string, KazooAccount>();
  private byRealm = new Map<string, string>();
  private follower: Follower | null = null;
  private listeners: Array<(accountId: string, doc: KazooAccount | null) => void> = [];

  constructor(private app: AppContext) {}

  async start(): Promise<void> {
    const db = this.app.kazooCouch.server.use<KazooAccount>(this.app.names.kazooAccounts);
    let since = '0';
    try {
      const info = await db.info();
      since = String(info.update_seq);
      for (const row of await this.listAccounts()) if (row.doc) this.apply(row.id, row.doc, false);
    } catch (err) {
      // No Kazoo accounts database (yet): start empty and pick it up from the feed when it appears.
      if (statusOf(err) !== 404) throw err;
    }
    this.follower = follow(this.app.kazooCouch.feed.use(this.app.names.kazooAccounts), {
      since, includeDocs: true, log: this.app.log, label: 'kazoo-accounts',
      onChanges: (changes) => { for (const c of changes) this.apply(c.id, c.deleted ? null : (c.doc as KazooAccount), true); },
    });
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
  }

  onAccountChange(fn: (accountId: string, doc: KazooAccount | null) => void): void {
    this.listeners.push(fn);
  }

  apply(id: string, doc: KazooAccount | null, notify: boolean): void {
    if (!isAccountId(id)) return;
    const old = this.accounts.get(id);
    if (old?.realm) this.byRealm.delete(old.realm.toLowerCase());
    if (doc && !doc.pvt_deleted && !(doc as { _deleted?: boolean })._deleted) {
      this.accounts.set(id, doc);
      if (doc.realm) this.byRealm.set(doc.realm.toLowerCase(), id);
    } else {
      this.accounts.delete(id);
    }
    if (notify) for (const fn of this.listeners) fn(id, this.accounts.get(id) || null);
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /**
   * Every live account in `accounts` now, read from CouchDB, taking in those the feed has not brought
   * yet. For a rebuild of the index: it must start from what Kazoo has, not from what this instance
   * has heard of so far (one that started a moment ago would otherwise drop every other account's MACs).
   */
  async readAccountIds(): Promise<string[]> {
    let rows: Array<{ id: string; doc?: KazooAccount | null }>;
    try {
      rows = await this.listAccounts();
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
    const live = rows.filter((r) => isAccountId(r.id) && r.doc && !r.doc.pvt_deleted);
    for (const r of live) if (!this.accounts.has(r.id)) this.apply(r.id, r.doc!, true);
    return live.map((r) => r.id);
  }

  /** Every document of `accounts`, in one read through the bulk client. */
  private async listAccounts(): Promise<Array<{ id: string; doc?: KazooAccount | null }>> {
    return (await this.app.kazooCouch.bulk.use<KazooAccount>(this.app.names.kazooAccounts).list({ include_docs: true })).rows;
  }

  /** The account as mirrored in `accounts` (Kazoo keeps it in step with the account database's copy). */
  account(accountId: string): KazooAccount | undefined {
    return this.accounts.get(accountId);
  }

  /**
   * The account, from memory or, when the feed has not brought it yet (created a moment ago in
   * Kazoo), with one key read of `accounts`, taken in at once. Undefined: no such live account.
   */
  async accountReadThrough(accountId: string): Promise<KazooAccount | undefined> {
    const known = this.accounts.get(accountId);
    if (known || !isAccountId(accountId)) return known;
    const doc = await getOrNull<KazooAccount>(this.app.kazooCouch.server.use<KazooAccount>(this.app.names.kazooAccounts), accountId);
    if (!doc || doc.pvt_deleted) return undefined;
    this.apply(accountId, doc, true);
    return this.accounts.get(accountId);
  }

  accountIdByRealm(realm: string): string | undefined {
    return this.byRealm.get(realm.toLowerCase());
  }

  /** Ancestors from the root down (pvt_tree), not including the account itself. */
  ancestors(accountId: string): string[] {
    return this.accounts.get(accountId)?.pvt_tree || [];
  }

  /** True when `actor` is `target` or one of its ancestors (a reseller over its sub-accounts). */
  isSelfOrAncestor(actor: string, target: string): boolean {
    return actor === target || this.ancestors(target).includes(actor);
  }

  accountDb(accountId: string) {
    return this.app.kazooCouch.server.use<any>(accountDbName(this.app.names, accountId));
  }

  /** The account doc from the account's own database (the copy Monster UI edits `provision` on). */
  async accountDoc(accountId: string): Promise<KazooAccount | null> {
    return getOrNull<KazooAccount>(this.accountDb(accountId), accountId);
  }

  async device(accountId: string, deviceId: string): Promise<KazooDevice | null> {
    const doc = await getOrNull<KazooDevice>(this.accountDb(accountId), deviceId);
    return doc && doc.pvt_type === 'device' && !doc.pvt_deleted ? doc : null;
  }

  async user(accountId: string, userId: string): Promise<KazooUser | null> {
    const doc = await getOrNull<KazooUser>(this.accountDb(accountId), userId);
    return doc && doc.pvt_type === 'user' && !doc.pvt_deleted ? doc : null;
  }

  /** Several documents of one account database in one request. */
  async docs<T>(accountId: string, ids: string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    if (!ids.length) return out;
    const res = await this.accountDb(accountId).fetch({ keys: [...new Set(ids)] });
    for (const row of res.rows as Array<{ id?: string; doc?: T & { pvt_deleted?: boolean } }>) {
      if (row.doc && !row.doc.pvt_deleted && row.id) out.set(row.id, row.doc);
    }
    return out;
  }

  /** Every device of one account (for the management screens; not on a phone's path). */
  async devices(accountId: string): Promise<KazooDevice[]> {
    return this.docsOfTypes<KazooDevice>(accountId, ['device']);
  }

  /** Every live document of the given pvt_types in one account database (a listing: never on a warm path). */
  async docsOfTypes<T>(accountId: string, types: string[]): Promise<T[]> {
    try {
      const res = await this.accountDb(accountId).list({ include_docs: true });
      return res.rows.map((r: any) => r.doc).filter((d: any) => d && types.includes(d.pvt_type) && !d.pvt_deleted);
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
  }
}

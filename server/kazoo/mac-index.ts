// The MAC index: MAC → the Kazoo devices carrying it. A phone request looks its MAC up in memory and
// costs no CouchDB scan. Entries are persisted in our state database (doc `mac:<mac>`), so every
// instance and every restart shares them. A watcher follows each Kazoo account database's _changes
// from stored checkpoints (`seq:<accountId>`), which works on the embedded server (no _db_updates,
// slash-free _all_dbs) as on Apache CouchDB 3.x.
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { follow, type Follower } from '../couch/follow.js';
import type { KazooDirectory, KazooDevice } from './directory.js';
import { normalizeMac } from './mac.js';

export interface MacEntry { account_id: string; device_id: string; rev: string; created: number }
interface MacDoc { _id: string; _rev?: string; pvt_type: 'mac_index'; mac: string; entries: MacEntry[]; account_ids: string[] }
interface SeqDoc { _id: string; _rev?: string; pvt_type: 'mac_index_checkpoint'; account_id: string; seq: string }

export type Lookup =
  | { kind: 'none' }
  | { kind: 'conflict'; accounts: string[] }
  | { kind: 'devices'; accountId: string; entries: MacEntry[] };

/** What a change to a Kazoo account database means for us. */
export interface KazooChange {
  accountId: string; docId: string; mac?: string; kind: 'device' | 'user' | 'account' | 'other';
  /** The document as the sweep read it (absent when deleted, or when the change came from another instance). */
  doc?: Record<string, unknown>;
}

const macDocId = (mac: string) => `mac:${mac}`;

export class MacIndex {
  private byMac = new Map<string, MacEntry[]>();
  private macOfDevice = new Map<string, string>();
  private devicesOfAccount = new Map<string, Set<string>>();
  private stateFollower: Follower | null = null;
  private sweeping = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private listeners: Array<(c: KazooChange) => void> = [];
  private checkpoints = new Map<string, SeqDoc>();
  /** Accounts deleted in Kazoo: a sweep already under way must not write their checkpoint back. */
  private forgotten = new Set<string>();
  /** Resolves after the first full sweep of every known account database. */
  firstSweep: Promise<void>;
  private markSwept: () => void = () => {};

  constructor(private app: AppContext, private kazoo: KazooDirectory, private opts: { intervalMs?: number } = {}) {
    this.firstSweep = new Promise((r) => { this.markSwept = r; });
    // An account that (re)appears in Kazoo's accounts database is swept again.
    kazoo.onAccountChange((id, doc) => { if (doc) this.forgotten.delete(id); });
  }

  onChange(fn: (c: KazooChange) => void): void {
    this.listeners.push(fn);
  }

  async start(): Promise<void> {
    const db = this.app.stateDb;
    const info = await db.info();
    for await (const doc of this.pages<MacDoc>('mac:')) this.load(doc);
    for await (const doc of this.pages<SeqDoc>('seq:')) this.checkpoints.set(doc.account_id, doc);
    // Other instances write entries too: follow them.
    this.stateFollower = follow(this.app.couch.feed.use(this.app.names.state), {
      since: String(info.update_seq), includeDocs: true, log: this.app.log, label: 'mac-index',
      onChanges: (changes) => {
        for (const c of changes) {
          if (!c.id.startsWith('mac:')) continue;
          const mac = c.id.slice(4);
          const before = this.byMac.get(mac);
          if (c.deleted) this.load({ _id: c.id, pvt_type: 'mac_index', mac, entries: [], account_ids: [] });
          else if (c.doc) this.load(c.doc as unknown as MacDoc);
          const after = this.byMac.get(mac);
          if (JSON.stringify(before) !== JSON.stringify(after)) {
            for (const e of [...(before || []), ...(after || [])]) this.emit({ accountId: e.account_id, docId: e.device_id, mac, kind: 'device' });
          }
        }
      },
    });
    this.schedule(0);
  }

  /**
   * Every document whose id starts with prefix, in pages: one request for 100,000 MACs would
   * outlast the request timeout (COUCH_TIMEOUT_MS) and the server would not start.
   */
  private async *pages<T>(prefix: string, size = 2000): AsyncGenerator<T> {
    let startkey = prefix;
    for (;;) {
      const res = await this.app.stateDb.list({ startkey, endkey: `${prefix}\ufff0`, include_docs: true, limit: size + 1 });
      for (const row of res.rows.slice(0, size)) if (row.doc) yield row.doc as T;
      if (res.rows.length <= size) return;
      startkey = res.rows[size].id;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.sweeping) await new Promise((r) => setTimeout(r, 20));
    await this.stateFollower?.stop();
  }

  lookup(macInput: string): Lookup {
    const mac = normalizeMac(macInput);
    const entries = mac ? this.byMac.get(mac) : undefined;
    if (!entries?.length) return { kind: 'none' };
    const accounts = [...new Set(entries.map((e) => e.account_id))];
    if (accounts.length > 1) return { kind: 'conflict', accounts };
    return { kind: 'devices', accountId: accounts[0], entries };
  }

  /** MACs claimed by more than one account: nothing is served for them. */
  conflicts(accountId?: string): Array<{ mac: string; accounts: string[] }> {
    const out: Array<{ mac: string; accounts: string[] }> = [];
    for (const [mac, entries] of this.byMac) {
      const accounts = [...new Set(entries.map((e) => e.account_id))];
      if (accounts.length > 1 && (!accountId || accounts.includes(accountId))) out.push({ mac, accounts });
    }
    return out.sort((a, b) => a.mac.localeCompare(b.mac));
  }

  macsOfAccount(accountId: string): string[] {
    return [...new Set(this.deviceIdsOfAccount(accountId).map((id) => this.macOfDevice.get(`${accountId}/${id}`)!))];
  }

  /** The account's devices that carry a MAC (for reading them in together). */
  deviceIdsOfAccount(accountId: string): string[] {
    return [...(this.devicesOfAccount.get(accountId) || [])];
  }

  size(): number {
    return this.byMac.size;
  }

  private load(doc: MacDoc): void {
    const old = this.byMac.get(doc.mac) || [];
    for (const e of old) {
      this.macOfDevice.delete(`${e.account_id}/${e.device_id}`);
      const ids = this.devicesOfAccount.get(e.account_id);
      ids?.delete(e.device_id);
      if (ids && !ids.size) this.devicesOfAccount.delete(e.account_id);
    }
    if (doc.entries.length) {
      this.byMac.set(doc.mac, doc.entries);
      for (const e of doc.entries) {
        this.macOfDevice.set(`${e.account_id}/${e.device_id}`, doc.mac);
        let ids = this.devicesOfAccount.get(e.account_id);
        if (!ids) this.devicesOfAccount.set(e.account_id, (ids = new Set()));
        ids.add(e.device_id);
      }
    } else {
      this.byMac.delete(doc.mac);
    }
    // After the change, so the gauge shows the index as it now is.
    this.app.metrics.macIndexSize.set(this.byMac.size);
  }

  private emit(c: KazooChange): void {
    for (const fn of this.listeners) fn(c);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.sweep(), ms);
  }

  /** Catches up every known account database once, then again after the interval. */
  private async sweep(): Promise<void> {
    if (this.stopped) return;
    this.sweeping = true;
    try {
      const ids = this.kazoo.accountIds();
      const queue = [...ids];
      const worker = async () => {
        for (let id = queue.shift(); id && !this.stopped; id = queue.shift()) {
          try {
            await this.catchUp(id);
          } catch (err) {
            if (statusOf(err) !== 404) this.app.log.warn({ account_id: id, err: (err as Error).message }, 'mac index: account database not readable');
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
      this.markSwept();
    } finally {
      this.sweeping = false;
      this.schedule(this.opts.intervalMs ?? 1000);
    }
  }

  /** Applies one account database's changes since its checkpoint. Also used after a Kazoo push. */
  async catchUp(accountId: string): Promise<void> {
    if (this.forgotten.has(accountId)) return;
    const cp = this.checkpoints.get(accountId);
    const db = this.kazoo.accountDb(accountId);
    let since = cp?.seq || '0';
    for (;;) {
      const res: any = await (db as any).changes({ since, include_docs: true, limit: 1000 });
      for (const change of res.results) await this.applyChange(accountId, change);
      since = String(res.last_seq);
      if (res.results.length < 1000) break;
    }
    if (since !== (cp?.seq || '0')) await this.saveCheckpoint(accountId, since);
  }

  private async applyChange(accountId: string, change: { id: string; deleted?: boolean; doc?: KazooDevice & { _rev: string } }): Promise<void> {
    const doc = change.doc;
    const key = `${accountId}/${change.id}`;
    const oldMac = this.macOfDevice.get(key);
    if (doc && !change.deleted && doc.pvt_type === 'user') {
      this.emit({ accountId, docId: change.id, kind: 'user', doc });
      return;
    }
    if (doc && !change.deleted && doc.pvt_type === 'account') {
      this.emit({ accountId, docId: change.id, kind: 'account', doc });
      return;
    }
    const isDevice = !!doc && !change.deleted && doc.pvt_type === 'device' && !doc.pvt_deleted;
    if (!isDevice && !oldMac) return;
    const newMac = isDevice ? normalizeMac(doc!.mac_address) : null;
    if (oldMac && oldMac !== newMac) await this.writeEntry(oldMac, accountId, change.id, null);
    if (newMac) {
      const entry: MacEntry = { account_id: accountId, device_id: change.id, rev: doc!._rev,
        created: Number((doc as { pvt_created?: number }).pvt_created) || 0 };
      await this.writeEntry(newMac, accountId, change.id, entry);
    }
    for (const mac of new Set([oldMac, newMac].filter(Boolean) as string[])) {
      this.emit({ accountId, docId: change.id, mac, kind: 'device', ...(isDevice ? { doc } : {}) });
    }
  }

  /** Puts (or removes, entry = null) one device's entry under a MAC, in memory and in CouchDB. */
  private async writeEntry(mac: string, accountId: string, deviceId: string, entry: MacEntry | null): Promise<void> {
    const db = this.app.stateDb;
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = (await getOrNull<MacDoc>(db, macDocId(mac))) as MacDoc | null;
      const others = (current?.entries || []).filter((e) => !(e.account_id === accountId && e.device_id === deviceId));
      const entries = entry ? [...others, entry] : others;
      // Several devices of one account become several lines: a stable order, oldest first.
      entries.sort((a, b) => a.created - b.created || a.device_id.localeCompare(b.device_id));
      const next: MacDoc = { _id: macDocId(mac), pvt_type: 'mac_index', mac, entries,
        account_ids: [...new Set(entries.map((e) => e.account_id))].sort() };
      if (current && JSON.stringify(current.entries) === JSON.stringify(entries)) {
        this.load(next);
        return;
      }
      try {
        if (!entries.length) {
          if (current) await db.destroy(current._id, current._rev!);
        } else {
          await db.insert(current ? { ...next, _rev: current._rev } : next);
        }
        this.load(next);
        if (next.account_ids.length > 1) {
          this.app.log.warn({ mac, accounts: next.account_ids }, 'MAC claimed by several accounts: nothing is served for it until an admin resolves it');
        }
        return;
      } catch (err) {
        if (statusOf(err) !== 409 && statusOf(err) !== 404) throw err;
      }
    }
    throw new Error(`mac index: could not write ${mac} after 10 conflicting attempts`);
  }

  private async saveCheckpoint(accountId: string, seq: string): Promise<void> {
    const db = this.app.stateDb;
    const current = this.checkpoints.get(accountId);
    const next: SeqDoc = { _id: `seq:${accountId}`, pvt_type: 'mac_index_checkpoint', account_id: accountId, seq };
    if (this.forgotten.has(accountId)) return;
    try {
      const res = await db.insert(current?._rev ? { ...next, _rev: current._rev } : next);
      if (this.forgotten.has(accountId)) {
        // The account was deleted while this was written: nothing of it may stay behind.
        await db.destroy(next._id, res.rev).catch(() => {});
        return;
      }
      this.checkpoints.set(accountId, { ...next, _rev: res.rev });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      // Another instance moved it; take theirs, the next sweep catches up from there.
      const theirs = await getOrNull<SeqDoc>(db, next._id);
      if (theirs) this.checkpoints.set(accountId, theirs as SeqDoc);
    }
  }

  /** Kazoo pushed something for this account: it lives (again), sweep it. */
  revive(accountId: string): void {
    this.forgotten.delete(accountId);
  }

  /** Drops everything the index holds for an account (account deleted in Kazoo). */
  async forgetAccount(accountId: string): Promise<void> {
    this.forgotten.add(accountId);
    for (const mac of this.macsOfAccount(accountId)) {
      for (const e of (this.byMac.get(mac) || []).filter((x) => x.account_id === accountId)) {
        await this.writeEntry(mac, accountId, e.device_id, null);
      }
    }
    const cp = await getOrNull<SeqDoc>(this.app.stateDb, `seq:${accountId}`);
    if (cp) await this.app.stateDb.destroy(cp._id, cp._rev!).catch(() => {});
    this.checkpoints.delete(accountId);
  }
}

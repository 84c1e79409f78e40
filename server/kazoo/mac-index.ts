// The MAC index: MAC → the Kazoo devices carrying it. A phone request looks its MAC up in memory and
// costs no CouchDB scan. Entries are persisted in our state database (doc `mac:<mac>`), so every
// instance and every restart shares them. Each Kazoo account database's _changes is read from a
// stored checkpoint (`seq:<accountId>`) when the account is "dirty". On Apache CouchDB, _db_updates
// says which account databases changed, so only those are read (plus a full sweep at start and
// rarely after); the embedded server has no _db_updates, and there every account is swept each
// INDEX_INTERVAL_MS.
import type { AppContext } from '../context.js';
import { getOrNull, putOver, statusOf } from '../couch/client.js';
import { dbUpdatesSeq, followDbUpdates, type Follower } from '../couch/follow.js';
import { accountIdFromDbName } from '../couch/names.js';
import { docsByPrefix } from '../couch/pages.js';
import type { StateFeed } from '../couch/state-feed.js';
import type { KazooDirectory, KazooDevice } from './directory.js';
import { normalizeMac } from './mac.js';
import { isPushedDeviceId, pushedDeviceId, pushedDoc, removePushed, type PushedDevice } from './pushed.js';

/** `pushed`: known only from Kazoo's push while its database was unreadable (server/kazoo/pushed.ts). */
export interface MacEntry { account_id: string; device_id: string; rev: string; created: number; pushed?: true }
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
/** A device's key in the per-device maps: device ids are unique per account only. */
const deviceKey = (accountId: string, deviceId: string) => `${accountId}/${deviceId}`;
/** A revision's generation ("7-ab12…" → 7): a MAC document's later write always has a higher one. */
const generation = (rev: string | undefined) => (rev ? parseInt(rev, 10) || 0 : 0);

/** One device's entry under a MAC: put (entry) or removed (null). */
interface Edit { mac: string; deviceId: string; entry: MacEntry | null }

/** The MAC's document after one account's edits. */
function nextDoc(mac: string, current: MacDoc | null, accountId: string, edits: Edit[]): MacDoc {
  let entries = current?.entries || [];
  for (const { deviceId, entry } of edits) {
    entries = entries.filter((e) => !(e.account_id === accountId && e.device_id === deviceId));
    if (entry) entries.push(entry);
  }
  // Several devices of one account become several lines: a stable order, oldest first.
  entries.sort((a, b) => a.created - b.created || a.device_id.localeCompare(b.device_id));
  return { _id: macDocId(mac), pvt_type: 'mac_index', mac, entries, account_ids: [...new Set(entries.map((e) => e.account_id))].sort() };
}

export class MacIndex {
  private byMac = new Map<string, MacEntry[]>();
  /**
   * The generation of the MAC document each entry list came from. The state feed may hand us a
   * revision older than one we have just written ourselves (read before our write, delivered after):
   * loading it would drop our entry from memory, and a later deletion of that device in Kazoo would
   * then find no MAC to remove it from, leaving the entry in CouchDB for good.
   */
  private generations = new Map<string, number>();
  /**
   * The MACs each device (`account/device`) has an entry under: one, but for a while two when another
   * instance has written the device's new MAC (and the feed brought it) before this one read the move.
   * Knowing only the newest, this instance would then see no MAC to remove the device from, and the old
   * entry would stay in CouchDB for good.
   */
  private macsOfDevice = new Map<string, Set<string>>();
  /** MACs with a pushed entry: few, and looked at after every account's catch-up. */
  private pushedMacs = new Set<string>();
  private devicesOfAccount = new Map<string, Set<string>>();
  /** Accounts whose database may hold changes not read yet, and those being read now. */
  private dirty = new Set<string>();
  private reading = new Set<string>();
  private workers = 0;
  private idleWaiters: Array<() => void> = [];
  private updates: Follower | null = null;
  /** 'db_updates' on Apache CouchDB, 'sweep' where the server has no _db_updates. */
  mode: 'sweep' | 'db_updates' = 'sweep';
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private listeners: Array<(c: KazooChange) => void> = [];
  private checkpoints = new Map<string, SeqDoc>();
  /** Accounts deleted in Kazoo: a sweep already under way must not write their checkpoint back. */
  private forgotten = new Set<string>();
  /** Resolves after the first full sweep of every known account database. */
  firstSweep: Promise<void>;
  private markSwept: () => void = () => {};

  constructor(private app: AppContext, private kazoo: KazooDirectory,
    private opts: { intervalMs?: number; fullSweepMs?: number; dbUpdates?: boolean } = {}) {
    this.firstSweep = new Promise((r) => { this.markSwept = r; });
    // An account that (re)appears in Kazoo's accounts database is read again.
    kazoo.onAccountChange((id, doc) => {
      if (!doc) return;
      this.forgotten.delete(id);
      this.markDirty([id]);
    });
  }

  onChange(fn: (c: KazooChange) => void): void {
    this.listeners.push(fn);
  }

  /** `feed`: the state database's, started by the caller once every part listens. */
  async start(feed: StateFeed): Promise<void> {
    for await (const doc of docsByPrefix<MacDoc>(this.app.bulk.stateDb, 'mac:')) this.load(doc, doc._rev);
    for await (const doc of docsByPrefix<SeqDoc>(this.app.bulk.stateDb, 'seq:')) this.checkpoints.set(doc.account_id, doc);
    // Other instances write entries too.
    feed.on(['mac:'], (changes) => {
      for (const c of changes) {
        const mac = c.id.slice(4);
        const rev = c.rev ?? (c.doc?._rev as string | undefined);
        if (generation(rev) && generation(rev) <= (this.generations.get(mac) ?? 0)) continue;
        const before = this.byMac.get(mac);
        if (c.deleted) this.load({ _id: c.id, pvt_type: 'mac_index', mac, entries: [], account_ids: [] }, rev);
        else if (c.doc) this.load(c.doc as unknown as MacDoc, rev);
        const after = this.byMac.get(mac);
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          for (const e of [...(before || []), ...(after || [])]) this.emit({ accountId: e.account_id, docId: e.device_id, mac, kind: 'device' });
        }
      }
    });
    // The feed's position is taken before the first sweep: what changes during it is read again.
    const since = this.opts.dbUpdates === false ? null : await dbUpdatesSeq(this.app.kazooCouch.feed);
    if (since !== null) {
      this.mode = 'db_updates';
      this.updates = followDbUpdates(this.app.kazooCouch.feed, {
        since, log: this.app.log, label: 'kazoo _db_updates',
        onChanges: (updates) => this.markDirty(updates.flatMap((u) => this.accountOfDb(u.db_name) ?? [])),
      });
    }
    this.app.log.info({ mode: this.mode }, this.mode === 'db_updates'
      ? "mac index: following CouchDB's _db_updates; only changed account databases are read"
      : 'mac index: no _db_updates on this CouchDB; sweeping every account database');
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.updates?.stop();
    await this.idle();
  }

  /** The known Kazoo account a database name from _db_updates belongs to (slashes may come encoded). */
  private accountOfDb(name: string): string | null {
    const id = accountIdFromDbName(this.app.names, name.includes('%2F') ? decodeURIComponent(name) : name);
    return id && this.kazoo.account(id) ? id : null;
  }

  /** Reads these accounts' databases soon; at most eight at once, one reader per account. */
  private markDirty(ids: string[]): void {
    if (this.stopped) return;
    for (const id of ids) this.dirty.add(id);
    while (this.workers < 8 && this.nextDirty() !== undefined) {
      this.workers++;
      void this.work().finally(() => {
        this.workers--;
        if (!this.workers) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private nextDirty(): string | undefined {
    for (const id of this.dirty) if (!this.reading.has(id)) return id;
    return undefined;
  }

  private async work(): Promise<void> {
    for (let id = this.nextDirty(); id !== undefined && !this.stopped; id = this.nextDirty()) {
      this.dirty.delete(id);
      this.reading.add(id);
      try {
        await this.catchUp(id);
      } catch (err) {
        if (statusOf(err) !== 404) this.app.log.warn({ account_id: id, err: (err as Error).message }, 'mac index: account database not readable');
      } finally {
        this.reading.delete(id);
      }
    }
  }

  private idle(): Promise<void> {
    return this.workers ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
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
    return [...new Set([...(this.devicesOfAccount.get(accountId) || [])].flatMap((id) => [...this.macsOfDevice.get(deviceKey(accountId, id))!]))];
  }

  /** The account's Kazoo devices that carry a MAC (for reading them in together); pushed ones are not in Kazoo's database. */
  deviceIdsOfAccount(accountId: string): string[] {
    return [...(this.devicesOfAccount.get(accountId) || [])].filter((id) => !isPushedDeviceId(id));
  }

  size(): number {
    return this.byMac.size;
  }

  /**
   * Takes a MAC's document into memory, unless memory already holds a later revision of it: what our
   * own write or read brings back may have been overtaken meanwhile by another instance's revision,
   * delivered by the state feed (a read of the entry, then that instance's deletion through the feed,
   * then our read would put the deleted entry back in memory for good).
   */
  private load(doc: MacDoc, rev: string | undefined): void {
    if (rev && generation(rev) < (this.generations.get(doc.mac) ?? 0)) return;
    if (rev) this.generations.set(doc.mac, generation(rev));
    const old = this.byMac.get(doc.mac) || [];
    for (const e of old) {
      const key = deviceKey(e.account_id, e.device_id);
      const macs = this.macsOfDevice.get(key);
      macs?.delete(doc.mac);
      if (macs?.size) continue;
      this.macsOfDevice.delete(key);
      const ids = this.devicesOfAccount.get(e.account_id);
      ids?.delete(e.device_id);
      if (ids && !ids.size) this.devicesOfAccount.delete(e.account_id);
    }
    if (doc.entries.some((e) => e.pushed)) this.pushedMacs.add(doc.mac);
    else this.pushedMacs.delete(doc.mac);
    if (doc.entries.length) {
      this.byMac.set(doc.mac, doc.entries);
      for (const e of doc.entries) {
        const key = deviceKey(e.account_id, e.device_id);
        let macs = this.macsOfDevice.get(key);
        if (!macs) this.macsOfDevice.set(key, (macs = new Set()));
        macs.add(doc.mac);
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

  /**
   * Catches up every known account database once, then again after the interval: every
   * INDEX_INTERVAL_MS without _db_updates, every INDEX_FULL_SWEEP_MS with it (a safety net for an
   * update the feed lost, e.g. with a node killed before it recorded it).
   */
  private async sweep(): Promise<void> {
    if (this.stopped) return;
    this.markDirty(this.kazoo.accountIds());
    await this.idle();
    this.markSwept();
    this.schedule(this.mode === 'db_updates' ? this.opts.fullSweepMs ?? 3_600_000 : this.opts.intervalMs ?? 1000);
  }

  /** Applies one account database's changes since its checkpoint. Also used after a Kazoo push. */
  async catchUp(accountId: string): Promise<void> {
    if (this.forgotten.has(accountId)) return;
    const cp = this.checkpoints.get(accountId);
    const db = this.kazoo.accountDb(accountId);
    let since = cp?.seq || '0';
    for (;;) {
      const res: any = await (db as any).changes({ since, include_docs: true, limit: 1000 });
      await this.applyChanges(accountId, res.results);
      since = String(res.last_seq);
      if (res.results.length < 1000) break;
    }
    if (since !== (cp?.seq || '0')) await this.saveCheckpoint(accountId, since);
    // Kazoo's own documents are readable again: they are the truth, not what was pushed meanwhile.
    for (const mac of this.pushedMacsOf(accountId)) await this.dropPushed(accountId, mac);
  }

  private pushedMacsOf(accountId: string): string[] {
    return [...this.pushedMacs].filter((mac) => this.byMac.get(mac)?.some((e) => e.pushed && e.account_id === accountId));
  }

  /**
   * Kazoo pushed a device while its database cannot be read from here: the MAC is served and claimed
   * from what it sent until that database can be read again.
   */
  async acceptPushed(accountId: string, mac: string, data: PushedDevice): Promise<void> {
    const doc = pushedDoc(accountId, mac, data, this.app.now());
    const deviceId = pushedDeviceId(mac);
    const before = this.byMac.get(mac)?.find((e) => e.account_id === accountId && e.device_id === deviceId);
    // Over whatever an earlier push (maybe through another instance) left.
    await putOver(this.app.stateDb, doc);
    try {
      await this.writeEntry(mac, accountId, deviceId, { account_id: accountId, device_id: deviceId, rev: doc.rev,
        created: before?.created ?? doc.pushed_at, pushed: true });
    } catch (err) {
      // Without its entry the doc would never be served nor dropped: leave nothing half-written.
      await removePushed(this.app.stateDb, accountId, mac).catch(() => {});
      throw err;
    }
    this.emit({ accountId, docId: deviceId, mac, kind: 'device' });
  }

  /** Kazoo deleted the device (or moved its MAC) while its database cannot be read: the MAC is free at once. */
  async forgetPushed(accountId: string, mac: string): Promise<void> {
    for (const e of (this.byMac.get(mac) || []).filter((x) => x.account_id === accountId)) {
      await this.writeEntry(mac, accountId, e.device_id, null);
      this.emit({ accountId, docId: e.device_id, mac, kind: 'device' });
    }
    await removePushed(this.app.stateDb, accountId, mac);
  }

  private async dropPushed(accountId: string, mac: string): Promise<void> {
    const deviceId = pushedDeviceId(mac);
    await this.writeEntry(mac, accountId, deviceId, null);
    await removePushed(this.app.stateDb, accountId, mac);
    this.emit({ accountId, docId: deviceId, mac, kind: 'device' });
  }

  /**
   * One page of an account database's changes: users and accounts are handed on, devices become
   * index edits, written together (the first sweep of 100,000 devices must not be 100,000 round trips).
   */
  private async applyChanges(accountId: string, changes: Array<{ id: string; deleted?: boolean; doc?: KazooDevice & { _rev: string } }>): Promise<void> {
    const edits: Edit[] = [];
    const events: KazooChange[] = [];
    for (const change of changes) {
      const doc = change.doc;
      const live = !!doc && !change.deleted;
      if (live && (doc!.pvt_type === 'user' || doc!.pvt_type === 'account')) {
        events.push({ accountId, docId: change.id, kind: doc!.pvt_type as 'user' | 'account', doc });
        continue;
      }
      // Callflows carry users' extensions (phonebooks); a hard delete no longer says what it was.
      if ((live && doc!.pvt_type === 'callflow') || change.deleted) events.push({ accountId, docId: change.id, kind: 'other' });
      const oldMacs = [...(this.macsOfDevice.get(deviceKey(accountId, change.id)) || [])];
      const isDevice = live && doc!.pvt_type === 'device' && !doc!.pvt_deleted;
      if (!isDevice && !oldMacs.length) continue;
      const newMac = isDevice ? normalizeMac(doc!.mac_address) : null;
      for (const oldMac of oldMacs) if (oldMac !== newMac) edits.push({ mac: oldMac, deviceId: change.id, entry: null });
      if (newMac) {
        edits.push({ mac: newMac, deviceId: change.id, entry: { account_id: accountId, device_id: change.id, rev: doc!._rev,
          created: Number((doc as { pvt_created?: number }).pvt_created) || 0 } });
      }
      for (const mac of new Set([...oldMacs, newMac].filter(Boolean) as string[])) {
        events.push({ accountId, docId: change.id, mac, kind: 'device', ...(isDevice ? { doc } : {}) });
      }
    }
    await this.writeEntries(accountId, edits);
    for (const e of events) this.emit(e);
  }

  /**
   * Several edits of one account's entries: the MACs' documents in one read, the changed ones in one
   * _bulk_docs. A MAC another instance wrote meanwhile (conflict) is retried on its own.
   */
  private async writeEntries(accountId: string, edits: Edit[]): Promise<void> {
    if (edits.length <= 1) {
      for (const e of edits) await this.writeEntry(e.mac, accountId, e.deviceId, e.entry);
      return;
    }
    const db = this.app.stateDb;
    const byMac = new Map<string, Edit[]>();
    for (const e of edits) byMac.set(e.mac, [...(byMac.get(e.mac) || []), e]);
    const macs = [...byMac.keys()];
    const current = await db.fetch({ keys: macs.map(macDocId) });
    const writes: Array<{ next: MacDoc; doc: Record<string, unknown> }> = [];
    macs.forEach((mac, i) => {
      const cur = ((current.rows[i] as { doc?: MacDoc | null }).doc) || null;
      const next = nextDoc(mac, cur, accountId, byMac.get(mac)!);
      if (cur ? JSON.stringify(cur.entries) === JSON.stringify(next.entries) : !next.entries.length) { this.load(next, cur?._rev); return; }
      writes.push({ next, doc: next.entries.length ? { ...next, ...(cur ? { _rev: cur._rev } : {}) } : { _id: cur!._id, _rev: cur!._rev, _deleted: true } });
    });
    for (let i = 0; i < writes.length; i += 1000) {
      const chunk = writes.slice(i, i + 1000);
      const res = await db.bulk({ docs: chunk.map((w) => w.doc) });
      for (const [j, r] of res.entries()) {
        const { next } = chunk[j];
        if (!r.error) { this.written(next, r.rev); continue; }
        if (r.error !== 'conflict') throw new Error(`mac index: ${next.mac} not written: ${r.error} ${r.reason || ''}`.trim());
        for (const e of byMac.get(next.mac)!) await this.writeEntry(e.mac, accountId, e.deviceId, e.entry);
      }
    }
  }

  /** Puts (or removes, entry = null) one device's entry under a MAC, in memory and in CouchDB. */
  private async writeEntry(mac: string, accountId: string, deviceId: string, entry: MacEntry | null): Promise<void> {
    const db = this.app.stateDb;
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = (await getOrNull<MacDoc>(db, macDocId(mac))) as MacDoc | null;
      const next = nextDoc(mac, current, accountId, [{ mac, deviceId, entry }]);
      if (current && JSON.stringify(current.entries) === JSON.stringify(next.entries)) {
        this.load(next, current._rev);
        return;
      }
      try {
        let rev: string | undefined;
        if (!next.entries.length) {
          if (current) rev = (await db.destroy(current._id, current._rev!)).rev;
        } else {
          rev = (await db.insert(current ? { ...next, _rev: current._rev } : next)).rev;
        }
        this.written(next, rev);
        return;
      } catch (err) {
        if (statusOf(err) !== 409 && statusOf(err) !== 404) throw err;
      }
    }
    throw new Error(`mac index: could not write ${mac} after 10 conflicting attempts`);
  }

  private written(next: MacDoc, rev: string | undefined): void {
    this.load(next, rev);
    if (next.account_ids.length > 1) {
      this.app.log.warn({ mac: next.mac, accounts: next.account_ids }, 'MAC claimed by several accounts: nothing is served for it until an admin resolves it');
    }
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
      // Another instance moved it. Keep reading from our own position, not theirs: a page of ours may
      // have written an entry theirs had already removed (a device deleted or moved meanwhile), and
      // only reading on from our position brings us the change that removes it again. Their revision
      // lets the next save succeed; re-reading what they read costs nothing (the edits are idempotent).
      const theirs = await getOrNull<SeqDoc>(db, next._id);
      this.checkpoints.set(accountId, theirs ? { ...next, _rev: theirs._rev } : next);
    }
  }

  /** Kazoo pushed something for this account: it lives (again), sweep it. */
  revive(accountId: string): void {
    this.forgotten.delete(accountId);
  }

  /** Drops everything the index holds for an account (account deleted in Kazoo). */
  async forgetAccount(accountId: string): Promise<void> {
    this.forgotten.add(accountId);
    await this.writeEntries(accountId, this.macsOfAccount(accountId).flatMap((mac) => (this.byMac.get(mac) || [])
      .filter((x) => x.account_id === accountId).map((e) => ({ mac, deviceId: e.device_id, entry: null }))));
    const cp = await getOrNull<SeqDoc>(this.app.stateDb, `seq:${accountId}`);
    if (cp) await this.app.stateDb.destroy(cp._id, cp._rev!).catch(() => {});
    this.checkpoints.delete(accountId);
  }
}

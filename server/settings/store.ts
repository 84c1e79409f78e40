// Phone settings at five levels, in the state database, all in memory: read once at start, kept
// fresh by the state feed on every instance, so a phone's render reads no document for them.
//   phoneset:default                                   catalog default (super-admin)
//   phoneset:reseller:<accountId>                      a reseller, for every account under it
//   phoneset:account:<accountId>                       one account
//   phoneset:model:<accountId>:<brand>/<family>/<model> one model within one account
//   phoneset:device:<accountId>:<deviceId>             one Kazoo device
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import type { StateFeed } from '../couch/state-feed.js';
import { conflict } from '../http/errors.js';
import type { KazooAccount } from '../kazoo/directory.js';
import type { LevelSettings } from './schema.js';

export const PREFIX = 'phoneset:';
export type LevelName = 'default' | 'reseller' | 'account' | 'model' | 'device';
export const LEVELS: LevelName[] = ['default', 'reseller', 'account', 'model', 'device'];

export const levelId = {
  default: () => `${PREFIX}default`,
  reseller: (resellerId: string) => `${PREFIX}reseller:${resellerId}`,
  account: (accountId: string) => `${PREFIX}account:${accountId}`,
  model: (accountId: string, templateId: string) => `${PREFIX}model:${accountId}:${templateId.replace(/^ui\//, '')}`,
  device: (accountId: string, deviceId: string) => `${PREFIX}device:${accountId}:${deviceId}`,
};

/** The account a level document belongs to (none for the default; the reseller's own for a reseller). */
export function accountOfId(id: string): string | null {
  const m = /^phoneset:(?:reseller|account|model|device):([0-9a-f]{32})/.exec(id);
  return m ? m[1] : null;
}

/** Kazoo's reseller of an account (its own doc says so; a reseller is its own). */
export function resellerOf(account: KazooAccount | undefined): string | null {
  const a = account as (KazooAccount & { pvt_reseller_id?: string; reseller_id?: string; pvt_reseller?: boolean }) | undefined;
  return a?.pvt_reseller_id || a?.reseller_id || null;
}

interface LevelDoc extends LevelSettings { _id: string; _rev?: string; pvt_type: 'phone_settings'; account_id?: string; updated_at?: number }

const EMPTY: LevelSettings = { settings: {}, raw: {} };

export class PhoneSettingsStore {
  private docs = new Map<string, LevelSettings>();
  private listeners: Array<(accountId: string | null) => void> = [];

  constructor(private app: AppContext) {}

  /** Reads every level document (one range read) and follows their changes. */
  async start(feed: StateFeed): Promise<void> {
    feed.on([PREFIX], (changes) => {
      for (const c of changes) this.apply(c.id, c.deleted ? null : (c.doc as LevelDoc | undefined) ?? null);
    });
    const res = await this.app.stateDb.list({ startkey: PREFIX, endkey: `${PREFIX}\ufff0`, include_docs: true });
    for (const row of res.rows) if (row.doc) this.apply(row.id, row.doc as unknown as LevelDoc, false);
  }

  /** Called with the account whose phones a change touches; null: every phone. */
  onChange(fn: (accountId: string | null) => void): void {
    this.listeners.push(fn);
  }

  private apply(id: string, doc: LevelDoc | null, notify = true): void {
    if (doc) this.docs.set(id, { settings: doc.settings || {}, raw: doc.raw || {} });
    else this.docs.delete(id);
    if (!notify) return;
    // A reseller's settings reach every account below it: as wide as the default.
    const accountId = id.startsWith(`${PREFIX}reseller:`) ? null : accountOfId(id);
    for (const fn of this.listeners) fn(accountId);
  }

  get(id: string): LevelSettings {
    return this.docs.get(id) || EMPTY;
  }

  /** Replaces one level's settings (the whole level: what the body leaves out is no longer set there). */
  async put(id: string, accountId: string | null, level: LevelSettings): Promise<LevelSettings> {
    const cur = await getOrNull<LevelDoc>(this.app.stateDb, id);
    const doc: LevelDoc = { _id: id, ...(cur ? { _rev: cur._rev } : {}), pvt_type: 'phone_settings',
      ...(accountId ? { account_id: accountId } : {}), settings: level.settings, raw: level.raw, updated_at: this.app.now() };
    try {
      await this.app.stateDb.insert(doc as any);
    } catch (err) {
      if (statusOf(err) === 409) throw conflict('the settings were changed meanwhile; read them again');
      throw err;
    }
    // This instance sees its own write at once; the feed tells the others (and repeats it here, harmlessly).
    this.apply(id, doc);
    return level;
  }
}

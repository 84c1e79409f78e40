// SessionTalk's documents in our state database: reads (through the cache on the hot path, direct
// where a decision must see the latest revision), writes with revision checks, counts and audit.
import { record, type Actor } from '../audit/log.js';
import type { Services } from '../services.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { accountDbName } from '../couch/names.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { applyChanges, DocCache, fetchDocs, KazooDeviceCache, stopWithin } from './cache.js';
import { activationId, codeId, settingsId } from './ids.js';
import { withDefaults } from './settings.js';
import type { ActivationDoc, CodeDoc, SessiontalkSettings, SettingsDoc } from './types.js';

type StateDoc = SettingsDoc | CodeDoc | ActivationDoc;
export type WriteResult = { rev: string } | 'conflict';

export class SessiontalkStore {
  private cache: DocCache<StateDoc>;
  readonly devices: KazooDeviceCache;
  /** Whether a device's password is the same in two of its revisions (revisions never change). */
  private samePassword = new Map<string, boolean>();

  constructor(private s: Services) {
    const db = s.app.stateDb;
    this.cache = new DocCache<StateDoc>((ids) => fetchDocs<StateDoc>(db, ids));
    s.stateFeed.on(['sessiontalk_'], (changes) => applyChanges(this.cache, changes));
    this.devices = new KazooDeviceCache(s.app, (a) => s.kazoo.accountDb(a),
      (a) => s.app.kazooCouch.feed.use(accountDbName(s.app.names, a)));
  }

  private get db() { return this.s.app.stateDb; }

  async stop(): Promise<void> {
    await stopWithin(2000, this.devices.stop());
  }

  // ---- the hot path (cached) ----

  async hotState(accountId: string, codeHash: string, deviceHash: string) {
    const ids = [activationId(accountId, deviceHash), codeId(accountId, codeHash), settingsId(accountId)];
    const docs = await this.cache.getMany(ids);
    return {
      binding: ofType<ActivationDoc>(docs.get(ids[0]), 'sessiontalk_activation', accountId),
      code: ofType<CodeDoc>(docs.get(ids[1]), 'sessiontalk_code', accountId),
      settings: withDefaults(ofType<SettingsDoc>(docs.get(ids[2]), 'sessiontalk_settings', accountId)),
    };
  }

  /** The password of a device in an older revision, or null when that revision is gone. */
  async passwordsMatch(accountId: string, deviceId: string, rev: string, current: KazooDevice): Promise<boolean> {
    const key = `${accountId}/${deviceId}/${rev}/${current._rev}`;
    const known = this.samePassword.get(key);
    if (known !== undefined) return known;
    let old: KazooDevice | null = null;
    try {
      old = await this.s.kazoo.accountDb(accountId).get(deviceId, { rev });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    const same = !!old && old.sip?.password === current.sip?.password;
    if (this.samePassword.size > 10_000) this.samePassword.clear();
    this.samePassword.set(key, same);
    return same;
  }

  // ---- authoritative reads (activation, management) ----

  async activationState(accountId: string, codeHash: string, deviceHash: string) {
    const ids = [codeId(accountId, codeHash), activationId(accountId, deviceHash), settingsId(accountId)];
    const docs = await fetchDocs<StateDoc>(this.db, ids);
    const code = ofType<CodeDoc>(docs.get(ids[0]), 'sessiontalk_code', accountId);
    const deviceBinding = ofType<ActivationDoc>(docs.get(ids[1]), 'sessiontalk_activation', accountId);
    let codeBinding: ActivationDoc | null = null;
    if (code?.activation_id) {
      codeBinding = code.activation_id === ids[1] ? deviceBinding
        : ofType<ActivationDoc>(await getOrNull<StateDoc>(this.db, code.activation_id), 'sessiontalk_activation', accountId);
    }
    return { code, deviceBinding, codeBinding,
      settings: withDefaults(ofType<SettingsDoc>(docs.get(ids[2]), 'sessiontalk_settings', accountId)) };
  }

  async settings(accountId: string): Promise<{ settings: SessiontalkSettings; doc: SettingsDoc | null }> {
    const doc = ofType<SettingsDoc>(await getOrNull<StateDoc>(this.db, settingsId(accountId)), 'sessiontalk_settings', accountId);
    return { settings: withDefaults(doc), doc };
  }

  async get<T extends StateDoc>(id: string, type: T['pvt_type'], accountId: string): Promise<T | null> {
    return ofType<T>(await getOrNull<StateDoc>(this.db, id), type, accountId);
  }

  /** Every document of a type in one account (management screens only). */
  async list<T extends StateDoc>(accountId: string, type: T['pvt_type']): Promise<T[]> {
    const res = await this.db.view('state', 'by_account', { key: [accountId, type], include_docs: true });
    return res.rows.map((r) => r.doc as T).filter(Boolean);
  }

  /**
   * Activations counted against max_activations of one Kazoo device, except the given ids, and
   * except other installs' activations of `codeHash` (racing for that code: its claim decides which one stays).
   */
  async countActivations(accountId: string, deviceId: string, except: string[] = [], codeHash?: string): Promise<number> {
    const res = await this.db.view('state', 'sessiontalk_by_device', { key: [accountId, deviceId], reduce: false });
    return res.rows.filter((r) => !except.includes(r.id) && !(codeHash && r.value === codeHash)).length;
  }

  // ---- writes (all through here, so the cache sees them at once) ----

  /** Creates (no _rev) or updates (with _rev) a document; a revision conflict is an answer, not an error. */
  async write<T extends StateDoc>(doc: T): Promise<WriteResult> {
    try {
      const res = await this.db.insert(doc as never);
      this.cache.wrote(doc, doc._id, res.rev);
      return { rev: res.rev };
    } catch (err) {
      if (statusOf(err) === 409) { this.cache.forget(doc._id); return 'conflict'; }
      throw err;
    }
  }

  /** Deletes a document at the given revision; false when it had changed or was gone. */
  async remove(doc: { _id: string; _rev?: string }): Promise<boolean> {
    try {
      const res = await this.db.destroy(doc._id, doc._rev!);
      this.cache.wrote(null, doc._id, res.rev);
      return true;
    } catch (err) {
      if (statusOf(err) === 409 || statusOf(err) === 404) { this.cache.forget(doc._id); return false; }
      throw err;
    }
  }

  async saveSettings(accountId: string, settings: SessiontalkSettings, rev: string | undefined): Promise<WriteResult> {
    return this.write<SettingsDoc>({ _id: settingsId(accountId), ...(rev ? { _rev: rev } : {}), pvt_type: 'sessiontalk_settings',
      account_id: accountId, ...settings, updated_at: this.s.app.now() });
  }

  /**
   * An audit event (moves, deactivations, revocations) in the one audit trail (server/audit/log.ts).
   * Ids only, never secrets; the SessionCloud path records as "system".
   */
  async audit(accountId: string, event: string, details: Record<string, unknown>, who: Actor = { type: 'system', name: 'SessionTalk provisioning' }): Promise<void> {
    const id = String(details.activation_id ?? details.code_id ?? '');
    await record(this.s.app, { accountId, who, object: { type: 'sessiontalk_activation', id }, action: `sessiontalk_${event}`, details });
  }
}

function ofType<T extends { pvt_type: string; account_id: string }>(doc: unknown, type: T['pvt_type'], accountId: string): T | null {
  const d = doc as (T & { _deleted?: boolean }) | null | undefined;
  return d && !d._deleted && d.pvt_type === type && d.account_id === accountId ? d : null;
}


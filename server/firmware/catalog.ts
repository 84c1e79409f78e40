// Firmware files and policies as every instance sees them: loaded once from the state database and
// kept fresh from its change feed, so choosing a phone's firmware while rendering its config costs
// no CouchDB request (the warm path stays free of them).
import type { AppContext } from '../context.js';
import type { StateFeed } from '../couch/state-feed.js';
import { chooseFirmware, policyModelKey, type FirmwarePolicy } from './policy.js';

export const FIRMWARE_PREFIX = 'firmware:';
export const POLICY_PREFIX = 'fwpolicy:';
/** The attachment's name inside a firmware document. */
export const ATTACHMENT = 'image';
/** Scope of the catalog-wide policy in a policy id (account ids are hex, never this). */
export const CATALOG_SCOPE = 'catalog';

export interface FirmwareDoc {
  _id: string; _rev?: string; pvt_type: 'firmware'; brand: string;
  /** family/model keys this file is for; empty: any model of the brand. */
  models: string[];
  version: string; file_name: string; content_type: string; size: number; sha256: string;
  uploaded_at: number; uploaded_by: string;
  /** Set while the bytes are being streamed in: such a file is never listed, chosen or served. */
  pending?: boolean;
}

export interface PolicyDoc extends FirmwarePolicy {
  _id: string; _rev?: string; pvt_type: 'firmware_policy'; scope: string; account_id?: string;
  brand: string; family: string; model: string; updated_at: number; updated_by: string;
}

export interface Chosen { id: string; version: string; file_name: string; sha256: string }

export const policyId = (scope: string, brand: string, family: string, model: string) =>
  `${POLICY_PREFIX}${scope}:${policyModelKey(brand, family, model)}`;

export class FirmwareCatalog {
  private files = new Map<string, FirmwareDoc>();
  private policies = new Map<string, PolicyDoc>();
  /** The newest revision generation seen per id: the feed may bring an older one after a write was applied. */
  private generations = new Map<string, number>();
  private listeners: Array<() => void> = [];

  constructor(private app: AppContext) {}

  async start(feed: StateFeed): Promise<void> {
    feed.on([FIRMWARE_PREFIX, POLICY_PREFIX], (changes) => {
      for (const c of changes) this.apply(c.id, c.deleted ? null : (c.doc as never), c.rev);
      // A new upload no policy names yet changes no phone's file: rendered configs stay cached.
      const touches = changes.some((c) => c.id.startsWith(POLICY_PREFIX) || this.usersOf(c.id.slice(FIRMWARE_PREFIX.length)).length);
      if (touches) this.changed();
    });
    for (const prefix of [FIRMWARE_PREFIX, POLICY_PREFIX]) {
      const res = await this.app.bulk.stateDb.list({ startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true });
      for (const row of res.rows) this.apply(row.id, row.doc as never);
    }
  }

  /**
   * Called after a write, so this instance answers with it before its feed brings it back. An older
   * revision than one already applied is ignored: an upload writes a pending document and then the
   * finished one, and the feed's event for the pending one may arrive after the route applied the
   * finished one (the file would vanish from the list until the next event).
   */
  apply(id: string, doc: FirmwareDoc | PolicyDoc | null, rev?: string): void {
    const known = this.generations.get(id) ?? 0;
    // A deletion we made ourselves carries no revision: it is one generation past what we knew.
    const gen = parseInt(String(rev ?? doc?._rev ?? ''), 10) || (doc ? 0 : known + 1);
    if (gen && gen < known) return;
    if (gen) this.generations.set(id, gen);
    const map = id.startsWith(FIRMWARE_PREFIX) ? this.files : this.policies;
    if (!doc || (doc as FirmwareDoc).pending) map.delete(id);
    else map.set(id, doc as never);
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  changed(): void {
    this.listeners.forEach((fn) => fn());
  }

  /** By the short id the API and the phone URLs use (the hex after "firmware:"). */
  file(id: string): FirmwareDoc | undefined {
    return this.files.get(FIRMWARE_PREFIX + id);
  }

  allFiles(): FirmwareDoc[] {
    return [...this.files.values()].sort((a, b) => a.brand.localeCompare(b.brand) || b.uploaded_at - a.uploaded_at);
  }

  policy(scope: string, brand: string, family: string, model: string): PolicyDoc | undefined {
    return this.policies.get(policyId(scope, brand, family, model));
  }

  policiesOf(scope: string): PolicyDoc[] {
    return [...this.policies.values()].filter((p) => p.scope === scope).sort((a, b) => a._id.localeCompare(b._id));
  }

  /** Policies naming this file (a file in use is not deleted). */
  usersOf(firmwareId: string): PolicyDoc[] {
    return [...this.policies.values()].filter((p) => p.firmware_id === firmwareId || p.rollout?.firmware_id === firmwareId);
  }

  /** The account's own policy for the model, else the catalog-wide one. */
  effectivePolicy(accountId: string, brand: string, family: string, model: string): PolicyDoc | undefined {
    return this.policy(accountId, brand, family, model) ?? this.policy(CATALOG_SCOPE, brand, family, model);
  }

  choose(accountId: string, brand: string, family: string, model: string, mac: string): Chosen | null {
    const id = chooseFirmware(this.effectivePolicy(accountId, brand, family, model), mac);
    const f = id ? this.file(id) : undefined;
    return f ? { id: f._id.slice(FIRMWARE_PREFIX.length), version: f.version, file_name: f.file_name, sha256: f.sha256 } : null;
  }
}

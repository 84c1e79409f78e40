// Rendered phone files, cached by what they were made from and dropped when a change feed says a
// source changed (device, users, account, catalog). A warm fetch costs no CouchDB request. When
// CouchDB cannot be reached, the last good body (memory, then the disk copy of server/phones/last-good.ts)
// is served.
import type { FileSpec, TemplateDoc } from '../catalog/types.js';
import { isConnectionError } from '../couch/errors.js';
import { commonModel, deviceModel, maskedModel, type PhoneData } from '../render/model.js';
import { renderFile, type Rendered } from '../render/pipeline.js';
import type { Services } from '../services.js';
import { deviceFile, deviceSettings, fileNameFor } from './files.js';
import { resolvePhoneFiles } from './resolve.js';

/** The phone's data with the firmware its account's (or the catalog's) policy assigns it. */
export function withFirmware(s: Pick<Services, 'firmware'>, data: PhoneData, t: TemplateDoc): PhoneData {
  return { ...data, firmware: s.firmware.choose(data.accountId, t.endpoint_brand, String(t.endpoint_family), String(t.endpoint_model), data.mac) };
}

export type Served =
  | { ok: true; rendered: Rendered; accountId: string | null; stale: boolean; cached: boolean; masked?: () => Rendered }
  | { ok: false; status: 404 | 503; reason: string; accountId?: string };

/** `masked` renders the same version with secrets masked, for the fetch history (server/audit/fetch-history.ts). */
interface Entry { rendered: Rendered; accountId: string | null; masked?: () => Rendered }

export class PhoneFiles {
  private cache = new Map<string, Entry>();
  private keysOfMac = new Map<string, Set<string>>();
  private lastGood = new Map<string, Entry>();
  /** Bumped by every invalidation (per MAC, and for everything): see stamp(). */
  private macGen = new Map<string, number>();
  private epoch = 0;

  constructor(private s: Services) {
    s.catalog.onChange(() => this.clear());
    s.macIndex.onChange((c) => {
      if (c.kind === 'device' && c.mac) this.dropMac(c.mac);
      else if (c.kind !== 'other') this.dropAccount(c.accountId);
    });
    s.kazoo.onAccountChange((accountId) => this.dropAccount(accountId));
    s.phoneSettings.onChange((accountId) => (accountId ? this.dropAccount(accountId) : this.clear()));
    // A policy or file changed: which phones it touches is a hash of each MAC away; start afresh.
    s.firmware.onChange(() => this.clear());
  }

  clear(): void {
    this.cache.clear();
    this.keysOfMac.clear();
    this.epoch++;
  }

  dropMac(mac: string): void {
    for (const key of this.keysOfMac.get(mac) || []) this.cache.delete(key);
    this.keysOfMac.delete(mac);
    this.macGen.set(mac, (this.macGen.get(mac) || 0) + 1);
    if (this.macGen.size > 500_000) { this.macGen.clear(); this.epoch++; }
  }

  dropAccount(accountId: string): void {
    for (const mac of this.s.macIndex.macsOfAccount(accountId)) this.dropMac(mac);
    for (const [key, e] of this.cache) if (e.accountId === accountId) this.cache.delete(key);
    this.epoch++;
  }

  /**
   * What a render started from: if the MAC (or everything) was invalidated while it ran, its result
   * may already be stale, so it is served but not cached (the next request renders again).
   */
  private stamp(mac: string | null): string {
    return `${this.epoch}/${mac ? this.macGen.get(mac) || 0 : 0}`;
  }

  /** Forgets even the last good copies, on disk too (account deleted: its secrets must not linger). */
  forget(mac: string): void {
    this.dropMac(mac);
    for (const key of [...this.lastGood.keys()]) if (key.startsWith(`${mac}|`)) this.lastGood.delete(key);
    this.s.lastGood.forget(mac);
  }

  private remember(key: string, mac: string | null, entry: Entry, stamp: string): void {
    if (stamp === this.stamp(mac)) this.cache.set(key, entry);
    this.lastGood.set(key, entry);
    if (mac) {
      let set = this.keysOfMac.get(mac);
      if (!set) this.keysOfMac.set(mac, (set = new Set()));
      set.add(key);
    }
  }

  /** `copyOf`: the request's brand and file name, under which the disk copy was kept. */
  private stale(key: string, err: unknown, copyOf?: { brand: string; file: string }): Served {
    const entry = this.lastGood.get(key) || (copyOf ? this.s.lastGood.copy(copyOf.brand, copyOf.file) : null);
    this.s.app.log.error({ err: (err as Error).message, served_stale: !!entry }, 'CouchDB unreachable while rendering a phone file');
    if (!entry) return { ok: false, status: 503, reason: 'couchdb_unreachable' };
    this.s.app.metrics.renderCache.inc({ result: 'stale' });
    return { ok: true, rendered: entry.rendered, accountId: entry.accountId, stale: true, cached: true };
  }

  async device(brand: string, mac: string, pattern: string | null, copyOf?: { brand: string; file: string }): Promise<Served> {
    const key = `${mac}|${brand}|${pattern ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.s.app.metrics.renderCache.inc({ result: 'hit' });
      return { ok: true, rendered: hit.rendered, accountId: hit.accountId, stale: false, cached: true, masked: hit.masked };
    }
    this.s.app.metrics.renderCache.inc({ result: 'miss' });
    const stamp = this.stamp(mac);
    let resolution;
    try {
      resolution = await resolvePhoneFiles(this.s, mac);
    } catch (err) {
      if (isConnectionError(err)) return this.stale(key, err, copyOf);
      throw err;
    }
    if (!resolution.ok) return { ok: false, status: 404, reason: resolution.reason, accountId: resolution.accountId };
    const { data } = resolution;
    const first = data.devices[0];
    const p = first.provision || {};
    const template = this.s.catalog.template(p.endpoint_brand, p.endpoint_family, p.endpoint_model);
    if (!template) return { ok: false, status: 404, reason: `no_template ${p.endpoint_brand}/${p.endpoint_family}/${p.endpoint_model}`, accountId: data.accountId };
    const profile = this.s.catalog.profile(template.endpoint_brand);
    if (profile && this.s.catalog.profile(brand)?.brand !== profile.brand) {
      return { ok: false, status: 404, reason: `brand_mismatch device is ${template.endpoint_brand}`, accountId: data.accountId };
    }
    const file = deviceFile(template, profile, pattern);
    if (!file) return { ok: false, status: 404, reason: `unsupported_file for ${template._id}`, accountId: data.accountId };
    const model = deviceModel(this.s.app.config, template, profile, withFirmware(this.s, data, template), deviceSettings(this.s, data, template, file, profile));
    const name = fileNameFor(file, mac, profile);
    const rendered = renderFile(template, profile, file, name, model);
    this.report(template, rendered);
    const masked = () => renderFile(template, profile, file, name, maskedModel(model));
    this.remember(key, mac, { rendered, accountId: data.accountId, masked }, stamp);
    return { ok: true, rendered, accountId: data.accountId, stale: false, cached: false, masked };
  }

  common(template: TemplateDoc, file: FileSpec, fileName: string): Served {
    const key = `common|${template._id}|${file.name}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.s.app.metrics.renderCache.inc({ result: 'hit' });
      return { ok: true, rendered: hit.rendered, accountId: null, stale: false, cached: true };
    }
    const profile = this.s.catalog.profile(template.endpoint_brand);
    const rendered = renderFile(template, profile, file, fileName, commonModel(this.s.app.config, template, profile));
    this.report(template, rendered);
    this.remember(key, null, { rendered, accountId: null }, this.stamp(null));
    return { ok: true, rendered, accountId: null, stale: false, cached: false };
  }

  private report(t: TemplateDoc, r: Rendered): void {
    // Each distinct problem once per render: an unfilled placeholder is an operator's error to fix.
    for (const p of new Set(r.problems)) this.s.app.log.error({ template: t._id, problem: p }, 'template problem');
  }
}

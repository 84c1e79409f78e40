// Renders the seeded catalog through the one render pipeline (the model and writers the phone
// routes use), for a phone described in Kazoo's own document shapes. The vendor tests check these
// files against facts read from the vendors' documents.
import { join } from 'node:path';
import { loadConfig, type Config } from '../../config.js';
import { capabilitiesOf, type ProfileDoc, type TemplateDoc } from '../../server/catalog/types.js';
import { readSeedDocs } from '../../server/catalog/seed.js';
import type { KazooAccount, KazooDevice, KazooUser } from '../../server/kazoo/directory.js';
import { kazooAccountDoc, kazooDeviceDoc, kazooUserDoc } from '../../server/kazoo/docs.js';
import { filesOf, fileNameFor } from '../../server/phones/files.js';
import { commonModel, deviceModel } from '../../server/render/model.js';
import { renderFile } from '../../server/render/pipeline.js';
import type { NeutralSettings } from '../../server/settings/schema.js';

export interface SeedCatalog { templates: TemplateDoc[]; profiles: Map<string, ProfileDoc> }

let catalog: SeedCatalog | undefined;

export function seedCatalog(): SeedCatalog {
  if (catalog) return catalog;
  const docs = readSeedDocs(join(import.meta.dirname, '../../seed-brands'));
  catalog = {
    templates: docs.filter((d) => d.pvt_type === 'provisioner') as unknown as TemplateDoc[],
    profiles: new Map(docs.filter((d) => d.pvt_type === 'vendor_profile').map((d) => [String(d.brand), d as unknown as ProfileDoc])),
  };
  return catalog;
}

export const templatesOf = (brand: string) => seedCatalog().templates.filter((t) => t.endpoint_brand === brand);
export const template = (id: string) => {
  const t = seedCatalog().templates.find((x) => x._id === id);
  if (!t) throw new Error(`no seeded template ${id}`);
  return t;
};

export interface PhoneSpec {
  publicUrl?: string;
  mac?: string;
  timezone?: string;        // on the device
  language?: string;        // on the device
  userLanguage?: string;    // on the owner
  accountLanguage?: string;
  lines?: number;           // how many Kazoo devices share the MAC (default: all the phone has, at most 2)
  transports?: string[];    // per line
  comboKeys?: Record<string, unknown>;
  featureKeys?: Record<string, unknown>;
  /** The effective vendor-neutral settings (server/settings/schema.ts), as the levels would merge them. */
  settings?: NeutralSettings;
  /** The firmware a policy assigns to this phone. */
  firmware?: { id: string; version: string; file_name: string };
}

export const REALM = 'acme.sip.example.com';
export const MAC = '0123456789ab';

export function lineOf(i: number) {
  return { username: `user${i}_x7`, password: `pw${i}-Secr3t`, display: `Olga Owner`, presence: '2001' };
}

export function config(publicUrl = 'https://prov.example.com'): Config {
  return { ...loadConfig({ PORT: '1', HOST: '127.0.0.1', PUBLIC_URL: publicUrl }, []), publicUrl: publicUrl.replace(/\/+$/, '') };
}

export interface RenderedFile { name: string; scope: 'common' | 'device'; text: string; problems: string[] }

/** Every file of one model for one phone: common files from the common model, device files with its lines. */
export function renderPhone(t: TemplateDoc, spec: PhoneSpec = {}): RenderedFile[] {
  const profile = seedCatalog().profiles.get(t.endpoint_brand);
  const cfg = config(spec.publicUrl);
  const caps = capabilitiesOf(t);
  const accountId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const account = kazooAccountDoc({ id: accountId, name: 'Acme', realm: REALM, timezone: 'America/Chicago',
    language: spec.accountLanguage ?? 'en-us' }) as KazooAccount;
  const owner = kazooUserDoc({ id: 'u1', accountId, first: 'Olga', last: 'Owner', presenceId: '2001', language: spec.userLanguage }) as KazooUser;
  const target = kazooUserDoc({ id: 'u2', accountId, first: 'Kim', last: 'Target', presenceId: '4711' }) as KazooUser;
  const n = Math.min(spec.lines ?? Math.min(caps.lines, 2), caps.lines);
  const mac = spec.mac || MAC;
  const devices = Array.from({ length: n }, (_, i) => {
    const l = lineOf(i + 1);
    const d = kazooDeviceDoc({ id: `d${i + 1}`, accountId, name: `Desk ${i + 1}`, mac, username: l.username, password: l.password,
      ownerId: 'u1', brand: t.endpoint_brand, family: String(t.endpoint_family), model: String(t.endpoint_model),
      timezone: i === 0 ? spec.timezone : undefined, language: i === 0 ? spec.language : undefined,
      comboKeys: i === 0 ? spec.comboKeys : undefined, featureKeys: i === 0 ? spec.featureKeys : undefined }) as KazooDevice;
    const transport = spec.transports?.[i];
    if (transport) (d.sip as Record<string, unknown>).transport = transport;
    return d;
  });
  const data = { mac, accountId, account, devices, users: new Map([['u1', owner], ['u2', target]]),
    provCredentials: { username: 'provuser', password: 'prov-Pa55' }, firmware: spec.firmware };
  const effective = { settings: spec.settings || {}, raw: {}, sources: {} };
  return filesOf(t, profile).map((file) => {
    const model = file.scope === 'device' ? deviceModel(cfg, t, profile, data, effective) : commonModel(cfg, t, profile);
    const r = renderFile(t, profile, file, fileNameFor(file, mac, profile), model);
    return { name: fileNameFor(file, mac, profile), scope: file.scope, text: r.body.toString(t.format?.encoding === 'latin1' ? 'latin1' : 'utf8'), problems: r.problems };
  });
}

/** key → value of a plain "key<delimiter>value" file (first occurrence wins, as the phones read them). */
export function plainValues(text: string, delimiter: RegExp = /\s*[:=]\s*/): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const m = delimiter.exec(line);
    if (!m) continue;
    const key = line.slice(0, m.index).trim();
    const value = line.slice(m.index + m[0].length).trim().replace(/^"(.*)"$/, '$1');
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

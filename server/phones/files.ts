// Which file of which model a phone's request names. Per-device files carry the MAC in their name
// ({mac}/{MAC} in the template's file list); common files are matched by exact name.
import type { CatalogCache } from '../catalog/cache.js';
import type { FileSpec, ProfileDoc, TemplateDoc } from '../catalog/types.js';
import type { PhoneData } from '../render/model.js';
import { effectiveSettings, type Effective } from '../settings/effective.js';
import type { PhoneSettingsStore } from '../settings/store.js';
import { cachedRegex } from './regex-cache.js';

export type FileRequest =
  | { kind: 'device'; mac: string; pattern: string }
  | { kind: 'common'; template: TemplateDoc; file: FileSpec }
  | { kind: 'none' };

export function filesOf(t: TemplateDoc, profile: ProfileDoc | undefined): FileSpec[] {
  return t.files || profile?.default_files || [];
}

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** A file name with {mac} as a regex capturing the MAC. */
export function patternRegex(name: string): RegExp {
  return cachedRegex(`file-name ${name}`, () => `^${escape(name).replace(/\\?\{mac\\?\}|\{mac\}/gi, '([0-9A-Fa-f]{12})')}$`);
}

interface BrandFiles { device: Array<{ pattern: string; re: RegExp }>; common: Map<string, { template: TemplateDoc; file: FileSpec }> }

export class FileResolver {
  private byBrand = new Map<string, BrandFiles>();
  private generation = -1;

  constructor(private catalog: CatalogCache) {}

  private brandFiles(brand: string): BrandFiles {
    if (this.generation !== this.catalog.generation) {
      this.byBrand.clear();
      this.generation = this.catalog.generation;
    }
    let bf = this.byBrand.get(brand);
    if (bf) return bf;
    bf = { device: [], common: new Map() };
    const profile = this.catalog.profile(brand);
    // Variants share a common file name with their base model: the base (no modules) serves it.
    const templates = this.catalog.allTemplates().filter((t) => t.endpoint_brand === brand).sort((a, b) => {
      const ma = /-\d+$/.test(String(a.endpoint_model)) ? 1 : 0;
      const mb = /-\d+$/.test(String(b.endpoint_model)) ? 1 : 0;
      return ma - mb || a._id.localeCompare(b._id);
    });
    const seen = new Set<string>();
    for (const t of templates) {
      for (const f of filesOf(t, profile)) {
        if (/\{mac\}/i.test(f.name)) {
          if (!seen.has(f.name)) { seen.add(f.name); bf.device.push({ pattern: f.name, re: patternRegex(f.name) }); }
        } else if (!bf.common.has(f.name.toLowerCase())) {
          bf.common.set(f.name.toLowerCase(), { template: t, file: f });
        }
      }
    }
    this.byBrand.set(brand, bf);
    return bf;
  }

  resolve(brand: string, fileName: string): FileRequest {
    const bf = this.brandFiles(brand);
    // Exact names first: Polycom's common 000000000000.cfg would otherwise read as a MAC.
    const common = bf.common.get(fileName.toLowerCase());
    if (common) return { kind: 'common', ...common };
    for (const { pattern, re } of bf.device) {
      const m = re.exec(fileName);
      if (m) return { kind: 'device', mac: m[1].toLowerCase(), pattern };
    }
    return { kind: 'none' };
  }
}

/** The device file of a template that a request pattern (or a legacy URL) names. */
export function deviceFile(t: TemplateDoc, profile: ProfileDoc | undefined, pattern: string | null): FileSpec | undefined {
  const files = filesOf(t, profile).filter((f) => f.scope === 'device');
  return pattern ? files.find((f) => f.name === pattern) : files[0];
}

export function fileNameFor(spec: FileSpec, mac: string, profile: ProfileDoc | undefined): string {
  const m = profile?.mac_case === 'upper' ? mac.toUpperCase() : mac;
  return spec.name.replace(/\{mac\}/g, m).replace(/\{MAC\}/g, mac.toUpperCase());
}

/**
 * The effective settings a phone's file is rendered with; the raw brand keys only for its main file
 * (the first device file), the one every vendor's phone reads its settings from.
 */
export function deviceSettings(s: { phoneSettings: Pick<PhoneSettingsStore, 'get'> }, data: PhoneData, t: TemplateDoc, file: FileSpec,
  profile: ProfileDoc | undefined): Effective {
  const eff = effectiveSettings(s.phoneSettings, { accountId: data.accountId, account: data.account, templateId: t._id,
    brand: t.endpoint_brand, deviceId: data.devices[0]?._id });
  return file.name === deviceFile(t, profile, null)?.name ? eff : { ...eff, raw: {} };
}

// The phone every golden-facts test renders: two lines on one MAC, a BLF, a speed dial, a park and a
// line key on the phone's first keys (and a BLF on the first module key of module variants).
import { expect } from 'chai';
import { capabilitiesOf, type TemplateDoc } from '../../server/catalog/types.js';
import type { NeutralSettings } from '../../server/settings/schema.js';
import { lineOf, MAC, REALM, renderPhone, seedCatalog, templatesOf, type PhoneSpec, type RenderedFile } from './render-seed.js';

export { lineOf, MAC, REALM };
export const BLF_TARGET = '4711';      // the presence id of user u2 in render-seed.ts
export const SPEED_DIAL = '5559876';
export const PARK_SLOT = '*31';        // Kazoo parking key with slot 1

export function goldenKeys(t: TemplateDoc): Record<string, unknown> {
  const caps = capabilitiesOf(t);
  const keys: Record<string, unknown> = {
    0: { type: 'presence', value: 'u2' },
    1: { type: 'speed_dial', value: { value: SPEED_DIAL, label: 'Hotline' } },
    2: { type: 'parking', value: 1 },
    3: { type: 'line' },
  };
  if (caps.expansion_modules > 0) keys[String(caps.line_keys)] = { type: 'presence', value: 'u2' };
  return keys;
}

/** The device files of one model for the golden phone (keys as combo keys). */
export function goldenFiles(t: TemplateDoc, spec: PhoneSpec = {}): RenderedFile[] {
  return renderPhone(t, { lines: 2, comboKeys: goldenKeys(t), ...spec });
}

/** Every fact whose value in the file differs, as "key: got (want)"; an undefined want means absent. */
export function mismatches(facts: Record<string, string | undefined>, read: (key: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(facts)) {
    const got = read(key);
    if (got !== want) out.push(`${key}: ${got === undefined ? '(absent)' : JSON.stringify(got)} (want ${want === undefined ? 'absent' : JSON.stringify(want)})`);
  }
  return out;
}

export interface XmlElement { name: string; attrs: Record<string, string>; text: string }

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Every element named `tag` with its attributes and text (flat elements, as the phones' files have). */
export function xmlElements(text: string, tag: string): XmlElement[] {
  const out: XmlElement[] = [];
  const re = new RegExp(`<${tag}((?:\\s+[^\\s=>/]+="[^"]*")*)\\s*(?:/>|>([^<]*)</${tag}>)`, 'g');
  for (const m of text.matchAll(re)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] || '').matchAll(/([^\s=]+)="([^"]*)"/g)) attrs[a[1]] = unescapeXml(a[2]);
    out.push({ name: tag, attrs, text: unescapeXml(m[2] || '') });
  }
  return out;
}

/** Every attribute of every element, as Polycom reads its configuration files (the first value wins). */
export function xmlAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/\s([A-Za-z][\w.]*)="([^"]*)"/g)) if (!out.has(m[1])) out.set(m[1], unescapeXml(m[2]));
  return out;
}

/** The golden phone with line 1 on UDP and line 2 on TCP. */
export const TWO_TRANSPORTS = { transports: ['udp', 'tcp'] };

/** The neutral settings every brand's settings facts are checked with (server/settings/schema.ts). */
export const GOLDEN_SETTINGS: NeutralSettings = { vlan: { enabled: true, id: 20, priority: 5 }, dtmf_mode: 'sip_info',
  dial_plan: '[2-9]xxx|0x.T', screen: { backlight_timeout_s: 60, brightness: 80 }, volumes: { handset: 50, ringer: 100 } };

/** Screen and volume settings, every field set: what a brand that writes none of them must ignore. */
export const SCREEN_AND_VOLUMES: NeutralSettings = { screen: { backlight_timeout_s: 60, brightness: 80 },
  volumes: { handset: 50, headset: 50, speaker: 50, ringer: 100 } };

/** The brand's templates whose device files change once `settings` are set (none, where nothing is written for them). */
export function templatesChangedBy(brand: string, settings: NeutralSettings): string[] {
  return templatesOf(brand).filter((t) => JSON.stringify(goldenFiles(t, { settings }).map((f) => f.text))
    !== JSON.stringify(goldenFiles(t).map((f) => f.text))).map((t) => t._id);
}

/** What a template lists as not written for want of a vendor source. */
export function unconfirmedOf(t: TemplateDoc): Array<{ fact: string; reason: string }> {
  return (t as { unconfirmed?: Array<{ fact: string; reason: string }> }).unconfirmed || [];
}

/** The brand's templates (as "id: pattern") that list no unconfirmed fact matching a pattern, or list it without a reason. */
export function missingUnconfirmed(brand: string, facts: RegExp[]): string[] {
  return templatesOf(brand).flatMap((t) => facts.filter((re) => !unconfirmedOf(t).find((x) => re.test(x.fact))?.reason)
    .map((re) => `${t._id}: ${re}`));
}

/**
 * For a brand whose documents gave no key for the neutral settings, the remote phonebook or the
 * firmware URL: its files are the same with all of them set, and its profile lists each as unconfirmed.
 */
export function describeNothingWritten(title: string, brand: string, firmware: NonNullable<PhoneSpec['firmware']>): void {
  describe(title, function () {
    this.timeout(60000);
    it('every model: the file is the same with the neutral settings and an assigned firmware as without', () => {
      for (const t of templatesOf(brand)) {
        const plain = goldenFiles(t).map((f) => f.text);
        const set = goldenFiles(t, { settings: GOLDEN_SETTINGS, firmware }).map((f) => f.text);
        expect(set, t._id).to.deep.equal(plain);
      }
    });

    it('the profile names each of them as unconfirmed, with no phonebook file', () => {
      const p = seedCatalog().profiles.get(brand)!;
      const facts = (p.unconfirmed || []).map((u) => u.fact).join('\n');
      expect(facts).to.match(/dtmf_mode/).and.to.match(/remote phonebook/).and.to.match(/firmware URL/);
      expect(p.phonebook).to.equal(undefined);
    });
  });
}

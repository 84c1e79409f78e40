// The phone every golden-facts test renders: two lines on one MAC, a BLF, a speed dial, a park and a
// line key on the phone's first keys (and a BLF on the first module key of module variants).
import { capabilitiesOf, type TemplateDoc } from '../../server/catalog/types.js';
import { lineOf, MAC, REALM, renderPhone, type PhoneSpec, type RenderedFile } from './render-seed.js';

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

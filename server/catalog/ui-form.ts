// GET /api/ui/{brand}/{family}/{model}: the model's settings form in the shape Monster UI's SmartPBX
// (key counts) and the Advanced Provisioner (full form) read.
import { capabilitiesOf, type TemplateDoc } from './types.js';

const KEY_TYPES = [
  { text: 'None', value: 'none' }, { text: 'Presence (BLF)', value: 'presence' }, { text: 'Speed dial', value: 'speed_dial' },
  { text: 'Parking', value: 'parking' }, { text: 'Personal parking', value: 'personal_parking' },
];

function keyForm(text: string, iterate: number, withLine: boolean) {
  const types = withLine ? [...KEY_TYPES, { text: 'Line', value: 'line' }] : KEY_TYPES;
  return {
    text, iterate,
    data: {
      key: {
        text: 'Key',
        data: {
          type: { type: 'select', text: 'Type', options: types },
          value: { type: 'text', text: 'Value' },
          label: { type: 'text', text: 'Label' },
        },
      },
    },
  };
}

/** Number of keys Kazoo may assign: phone keys plus every attached module's keys. */
export function keyCounts(t: TemplateDoc): { combo: number; feature: number; lines: number } {
  const c = capabilitiesOf(t);
  const slots = c.line_keys + c.expansion_modules * c.expansion_keys;
  // Phones without separate memory keys take Kazoo's feature keys on the same programmable keys,
  // as the original project did (its devices carry feature_keys only).
  return { combo: slots, feature: c.memory_keys > 0 ? c.memory_keys : slots, lines: c.lines };
}

export function uiForm(t: TemplateDoc) {
  const counts = keyCounts(t);
  const template = {
    lines: {
      text: 'Lines', iterate: counts.lines,
      data: {
        basic: { text: 'Basic', data: { display_name: { type: 'text', text: 'Display name' },
          enable: { type: 'select', text: 'Enabled', options: [{ text: 'Yes', value: 'true' }, { text: 'No', value: 'false' }] } } },
        sip: { text: 'SIP', data: { username: { type: 'text', text: 'Username' }, password: { type: 'password', text: 'Password' },
          realm: { type: 'text', text: 'Realm' } } },
        advanced: { text: 'Advanced', data: { expire: { type: 'text', text: 'Registration expiry (s)' },
          transport: { type: 'select', text: 'Transport', options: ['udp', 'tcp', 'tls'].map((v) => ({ text: v.toUpperCase(), value: v })) } } },
      },
    },
    feature_keys: keyForm('Feature keys', counts.feature, false),
    combo_keys: keyForm('Combo keys', counts.combo, true),
    datetime: { text: 'Date and time', data: { time: { text: 'Time', data: { timezone: { type: 'text', text: 'Time zone (IANA)' } } } } },
  };
  const settings = { ...(t.settings || {}), capabilities: capabilitiesOf(t) };
  return { template, settings };
}

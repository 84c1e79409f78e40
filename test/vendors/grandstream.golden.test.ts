// Grandstream golden facts, stated from Grandstream's configuration templates and admin guides and
// checked against what the render pipeline writes for every seeded Grandstream model.
import { expect } from 'chai';
import { capabilitiesOf } from '../../server/catalog/types.js';
import { seedCatalog, templatesOf, template } from './render-seed.js';
import { BLF_TARGET, GOLDEN_SETTINGS, goldenFiles, lineOf, PARK_SLOT, REALM, SPEED_DIAL } from './golden.js';
import { xmlText } from './next-server.js';

const GXP = 'Grandstream Configuration Template GXP2130/2135/2140/2160/2170, firmware 1.0.11.16';
const HT = 'Grandstream HT80x/HT81x configuration templates, firmware 1.0.19.11';
const GUIDE = 'Grandstream GXP21xx Administration Guide, "Configuration File Download"';

const FACTS = {
  // GUIDE: cfg<mac>.xml per phone, cfg<model>.xml per model, names in lower case; the HT ATAs use cfg<mac>.xml.
  files: (model: string, family: string) => (family === 'ht' ? ['device:cfg0123456789ab.xml'] : [`common:cfg${model}.xml`, 'device:cfg0123456789ab.xml']),
  // GXP/HT templates, Account 1 (HT: FXS port 1 / profile 1): server with port, user ID, authenticate
  // ID, password, display name, registration expiry in MINUTES, transport 0 UDP / 1 TCP / 2 TLS.
  account1: { P271: '1', P47: `${REALM}:5060`, P35: lineOf(1).username, P36: lineOf(1).username, P34: lineOf(1).password,
    P3: lineOf(1).display, P32: '5', P130: '0' } as Record<string, string>,
  // HT81x template, FXS ports: port n user ID P4060+(n-1), authenticate ID P4090+, password P4120+,
  // name P4180+; both ports register on profile 1 (P47 server, P32 expiry in minutes).
  ht81x: (n: number) => ({ P47: `${REALM}:5060`, P32: '5', [`P${4059 + n}`]: lineOf(n).username, [`P${4089 + n}`]: lineOf(n).username,
    [`P${4119 + n}`]: lineOf(n).password, [`P${4179 + n}`]: lineOf(n).display }) as Record<string, string>,
  // GXP template, Account 2 block (P401…).
  account2gxp: { P401: '1', P402: `${REALM}:5060`, P404: lineOf(2).username, P405: lineOf(2).username, P406: lineOf(2).password, P407: lineOf(2).display },
  // HT template, FXS port 2 (profile 2 server P747).
  account2ht: { P401: '1', P747: `${REALM}:5060`, P735: lineOf(2).username, P736: lineOf(2).username, P734: lineOf(2).password, P703: lineOf(2).display },
  // GXP template, Virtual Multi-Purpose Keys: VPK n (n = 1..6) mode/account/label/value at
  // P1363/P1364/P1465/P1466 + 2(n-1); fixed modes are the dynamic code + 10 and 0 = account line.
  vpk: (n: number) => ({ mode: `P${1361 + 2 * n}`, account: `P${1362 + 2 * n}`, label: `P${1463 + 2 * n}`, value: `P${1464 + 2 * n}` }),
  // Same template: VPK 7+ (dynamic) at P23800 + 4(n-7): mode, account, label, value.
  dynamicVpk: (n: number) => ({ mode: `P${23800 + 4 * (n - 7)}`, value: `P${23803 + 4 * (n - 7)}` }),
  // Dynamic modes: 0 Speed Dial, 1 BLF, 16 Monitored Call Park.
  modes: { speedDial: 0, blf: 1, park: 16 },
  // Same template, extension boards (GXP2140/GXP2170): EXT key k at P23000 + 5(k-1): mode, account, label, value.
  ext: (k: number) => ({ mode: `P${23000 + 5 * (k - 1)}`, value: `P${23003 + 5 * (k - 1)}` }),
};

const isHt81x = (t: { endpoint_model: string | number }) => /^ht81/.test(String(t.endpoint_model));
const device = (t: Parameters<typeof goldenFiles>[0], spec = {}) => goldenFiles(t, spec).find((f) => f.scope === 'device')!.text;

describe(`Grandstream golden facts (${GXP}; ${HT}; ${GUIDE})`, function () {
  this.timeout(60000);

  it('serves cfg<model>.xml and cfg<mac>.xml (lower case); the ATAs cfg<mac>.xml', () => {
    for (const t of templatesOf('grandstream')) {
      const names = goldenFiles(t).map((f) => `${f.scope}:${f.name}`).sort();
      const model = String(t.endpoint_model).replace(/-\d+$/, '');
      expect(names, t._id).to.deep.equal(FACTS.files(model, String(t.endpoint_family)).sort());
    }
  });

  it('registers line 1 with server:port, user, auth user, password, display name, expiry in minutes and transport', () => {
    for (const t of templatesOf('grandstream')) {
      const text = device(t);
      const facts = isHt81x(t) ? FACTS.ht81x(1) : FACTS.account1;
      for (const [p, want] of Object.entries(facts)) expect(xmlText(text, p), `${t._id} ${p}`).to.equal(want);
    }
  });

  it('registers line 2 in the second account block', () => {
    for (const t of templatesOf('grandstream').filter((x) => capabilitiesOf(x).lines >= 2)) {
      const text = device(t);
      const facts = isHt81x(t) ? FACTS.ht81x(2) : t.endpoint_family === 'ht' ? FACTS.account2ht : FACTS.account2gxp;
      for (const [p, want] of Object.entries(facts)) expect(xmlText(text, p), `${t._id} ${p}`).to.equal(want);
    }
  });

  it('writes TCP and TLS as transport 1 and 2', () => {
    for (const [transport, want] of [['tcp', '1'], ['tls', '2']]) {
      expect(xmlText(device(template('ui/grandstream/gxp21xx/gxp2170'), { transports: [transport] }), 'P130')).to.equal(want);
    }
  });

  it('GXP21xx: BLF, speed dial, park and line on VPK 1-4 with the fixed modes', () => {
    for (const t of templatesOf('grandstream').filter((x) => x.endpoint_family === 'gxp21xx')) {
      const text = device(t);
      const k = [1, 2, 3, 4].map(FACTS.vpk);
      expect([xmlText(text, k[0].mode), xmlText(text, k[0].value)], t._id).to.deep.equal([String(FACTS.modes.blf + 10), BLF_TARGET]);
      expect([xmlText(text, k[1].mode), xmlText(text, k[1].value)], t._id).to.deep.equal([String(FACTS.modes.speedDial + 10), SPEED_DIAL]);
      expect([xmlText(text, k[2].mode), xmlText(text, k[2].value)], t._id).to.deep.equal([String(FACTS.modes.park + 10), PARK_SLOT]);
      expect([xmlText(text, k[3].mode), xmlText(text, k[3].account)], t._id).to.deep.equal(['0', '0']);
    }
  });

  it('GXP21xx: VPK 7 and later take the dynamic modes of the P23800 block on every model', () => {
    const keys = { 6: { type: 'speed_dial', value: { value: SPEED_DIAL } }, 7: { type: 'presence', value: 'u2' } };
    for (const t of templatesOf('grandstream').filter((x) => x.endpoint_family === 'gxp21xx' && capabilitiesOf(x).line_keys >= 8)) {
      const text = device(t, { comboKeys: keys });
      expect([xmlText(text, FACTS.dynamicVpk(7).mode), xmlText(text, FACTS.dynamicVpk(7).value)], t._id).to.deep.equal([String(FACTS.modes.speedDial), SPEED_DIAL]);
      expect([xmlText(text, FACTS.dynamicVpk(8).mode), xmlText(text, FACTS.dynamicVpk(8).value)], t._id).to.deep.equal([String(FACTS.modes.blf), BLF_TARGET]);
    }
  });

  it('writes the first extension-board key at P23000', () => {
    for (const id of ['ui/grandstream/gxp21xx/gxp2170-1', 'ui/grandstream/gxp21xx/gxp2140-1']) {
      const text = device(template(id));
      expect([xmlText(text, FACTS.ext(1).mode), xmlText(text, FACTS.ext(1).value)], id).to.deep.equal([String(FACTS.modes.blf), BLF_TARGET]);
    }
  });

  it('writes a zone outside the P64 list as customize with a self-defined rule in P246', () => {
    // GXP template P64 "customize" + P246; syntax std offset dst offset,Mm.w.d/time (UCM6510 manual).
    // Chatham: +12:45, +13:45 from the last Sunday of September 02:45 to the first Sunday of April 03:45.
    const chatham = device(template('ui/grandstream/gxp21xx/gxp2170'), { timezone: 'Pacific/Chatham' });
    expect([xmlText(chatham, 'P64'), xmlText(chatham, 'P246')]).to.deep.equal(['customize', 'MTZ-12:45MDT-13:45,M9.5.0/02:45:00,M4.1.0/03:45:00']);
  });
});

// Neutral settings and the remote phonebook (issue 17). No Grandstream document read for the seeded firmware lines
// settled them, so nothing is written and the profile says why (see its `unconfirmed`):
// - VLAN: P51 "Layer 2 QoS. 802.1Q/VLAN Tag" / P87 "Layer 2 QoS. 802.1p priority value (0 - 7)" are known only from public
//   copies of an older Grandstream template and Grandstream web-UI code; public HT8xx templates use P5038/P5042 for 802.1p.
// - DTMF per account and screen/volumes: no P-values from a Grandstream page; P290 dial plan is not an RFC 3435 digit map.
// - Phonebook: P330/P331/P332 are known from template-comment copies, but which file name the phone appends to the P331
//   path (phonebook.xml or gs_phonebook.xml, without the MAC, by third-party servers) is not in the pages that could be read.
const NOT_WRITTEN = ['P51', 'P87', 'P5038', 'P5042', 'P290', 'P330', 'P331', 'P332'];

describe('Grandstream: neutral settings and the remote phonebook are not written (unconfirmed)', function () {
  this.timeout(60000);

  it('every model: the files are the same with the golden neutral settings as without, and carry none of the unconfirmed P-values', () => {
    for (const t of templatesOf('grandstream')) {
      const plain = goldenFiles(t);
      const set = goldenFiles(t, { settings: GOLDEN_SETTINGS });
      expect(set.map((f) => f.text), t._id).to.deep.equal(plain.map((f) => f.text));
      for (const f of set) expect(NOT_WRITTEN.filter((p) => xmlText(f.text, p) !== undefined), `${t._id} ${f.name}`).to.deep.equal([]);
    }
  });

  it('the profile names VLAN, DTMF, dial plan, screen/volumes and the phonebook file name as unconfirmed', () => {
    const facts = (seedCatalog().profiles.get('grandstream')!.unconfirmed || []).map((u) => u.fact).join('\n');
    for (const re of [/settings\.vlan.*P51.*P87/, /settings\.dtmf_mode/, /settings\.dial_plan.*P290/, /settings\.screen.*settings\.volumes/,
      /file name the grandstream phone requests under the P331/, /P330\/P331\/P332/]) expect(facts).to.match(re);
  });
});

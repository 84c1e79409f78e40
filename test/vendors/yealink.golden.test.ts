// Yealink's essentials, as Yealink's own guides state them, checked against what the seeded
// templates render for a two-line phone (UDP and TCP) with a Line key, BLF, speed dial and park keys.
import { expect } from 'chai';
import { GOLDEN_SETTINGS, BLF_TARGET, MAC, PARK_SLOT, REALM, SPEED_DIAL, TWO_TRANSPORTS, goldenFiles, lineOf, mismatches, unconfirmedOf } from './golden.js';
import { plainValues, template, templatesOf, type RenderedFile } from './render-seed.js';

const SOURCES = {
  files: 'Yealink SIP-T4x/T5x IP Phones Administrator Guide V86, "Configuration Files": the phone asks for the common file '
    + 'y0000000000<xx>.cfg of its hardware (T48S 65, T46S 66, T42S 67, T41S 68, T53W 95, T54W 96, T57W 97) and then <MAC>.cfg; '
    + 'each file starts with the line #!version:1.0.0.1',
  account: 'Yealink Administrator Guide V86, "Account Registration": account.X.enable, account.X.user_name, account.X.auth_name, '
    + 'account.X.password, account.X.display_name, account.X.sip_server.Y.address/port/expires, account.X.sip_server.Y.transport_type '
    + '(0 UDP, 1 TCP, 2 TLS, 3 DNS-NAPTR)',
  keys: 'Yealink Administrator Guide V86, "DSS Keys" and Appendix "DSS key types": linekey.X.type 15 Line, 16 BLF, 13 Speed Dial, '
    + '10 Call Park; linekey.X.value, linekey.X.line (account 1..n); expansion modules expansion_module.X.key.Y.type/value/line',
};

const COMMON_FILES: Record<string, string> = {
  'ui/yealink/t4x/t48s': 'y000000000065.cfg', 'ui/yealink/t4x/t46s': 'y000000000066.cfg', 'ui/yealink/t4x/t42s': 'y000000000067.cfg',
  'ui/yealink/t4x/t41s': 'y000000000068.cfg', 'ui/yealink/t5x/t53w': 'y000000000095.cfg', 'ui/yealink/t5x/t54w': 'y000000000096.cfg',
  'ui/yealink/t5x/t57w': 'y000000000097.cfg',
};

const REGISTRATION = (n: number, transport: string) => ({
  [`account.${n}.enable`]: '1', [`account.${n}.user_name`]: lineOf(n).username, [`account.${n}.auth_name`]: lineOf(n).username,
  [`account.${n}.password`]: lineOf(n).password, [`account.${n}.display_name`]: lineOf(n).display,
  [`account.${n}.sip_server.1.address`]: REALM, [`account.${n}.sip_server.1.port`]: '5060',
  [`account.${n}.sip_server.1.transport_type`]: transport, [`account.${n}.sip_server.1.expires`]: '300',
});

const values = (f: RenderedFile) => plainValues(f.text, /\s*=\s*/);
const deviceFile = (files: RenderedFile[]) => files.find((f) => f.name === `${MAC}.cfg`)!;

describe('Yealink golden facts', function () {
  this.timeout(120000);
  for (const [id, common] of Object.entries(COMMON_FILES)) {
    it(`${id}: serves ${common} and <MAC>.cfg, both starting with the version line`, () => {
      const files = goldenFiles(template(id));
      expect(files.map((f) => f.name).sort(), SOURCES.files).to.deep.equal([`${MAC}.cfg`, common].sort());
      for (const f of files) expect(f.text.split('\n')[0], `${f.name}: ${SOURCES.files}`).to.equal('#!version:1.0.0.1');
    });
  }

  it('T46S: both accounts register with the server, port, transport, user, password, expiry and name', () => {
    const v = values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46s'), TWO_TRANSPORTS)));
    expect(mismatches({ ...REGISTRATION(1, '0'), ...REGISTRATION(2, '1') }, (k) => v.get(k)), SOURCES.account).to.deep.equal([]);
  });

  it('T46S: BLF 16, speed dial 13, call park 10 and Line 15 on the line keys', () => {
    const v = values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46s'), TWO_TRANSPORTS)));
    expect(mismatches({
      'linekey.1.type': '16', 'linekey.1.value': BLF_TARGET, 'linekey.1.line': '1',
      'linekey.2.type': '13', 'linekey.2.value': SPEED_DIAL,
      'linekey.3.type': '10', 'linekey.3.value': PARK_SLOT,
      'linekey.4.type': '15', 'linekey.4.line': '1',
    }, (k) => v.get(k)), SOURCES.keys).to.deep.equal([]);
  });

  it('T46S with an EXP40: the first module key is expansion_module.1.key.1', () => {
    const v = values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46s-1'))));
    expect(mismatches({ 'expansion_module.1.key.1.type': '16', 'expansion_module.1.key.1.value': BLF_TARGET }, (k) => v.get(k)), SOURCES.keys)
      .to.deep.equal([]);
  });
});

// Neutral settings (server/settings/schema.ts) on Yealink's own keys, as the administrator guide states them.
const SETTINGS_SOURCES = {
  vlan: 'Yealink Administrator Guide V84/V86, "VLAN", and the Network VLAN block of Yealink\'s common template: '
    + 'static.network.vlan.internet_port_enable (0 Disabled, 1 Enabled), static.network.vlan.internet_port_vid, '
    + 'static.network.vlan.internet_port_priority',
  dtmf: 'Yealink Administrator Guide (T2/T4/T5/CP920), "Transmitting DTMF Digit Configuration": account.X.dtmf.type '
    + '0 INBAND, 1 RFC2833, 2 SIP INFO, 3 RFC2833 + SIP INFO',
  digitmap: 'Yealink Administrator Guide (T2/T4/T5/CP920), "Digit Map for All Lines Configuration": dialplan.digitmap.enable '
    + '1 Enabled; dialplan.digitmap.string "must be compatible with the digit map feature of MGCP described in 2.1.5 of RFC 3435"',
};
const SETTING_KEYS = ['static.network.vlan.internet_port_enable', 'static.network.vlan.internet_port_vid',
  'static.network.vlan.internet_port_priority', 'account.1.dtmf.type', 'account.2.dtmf.type', 'dialplan.digitmap.enable',
  'dialplan.digitmap.string'];
const T_SERIES = ['ui/yealink/t3x/t31g', 'ui/yealink/t4x/t46u', 'ui/yealink/t4x/t48s-1', 'ui/yealink/t5x/t54w'];

describe('Yealink neutral settings', function () {
  this.timeout(120000);
  for (const id of T_SERIES) {
    it(`${id}: VLAN 20 priority 5, SIP INFO DTMF on both accounts, the digit map`, () => {
      const v = values(deviceFile(goldenFiles(template(id), { settings: GOLDEN_SETTINGS })));
      expect(mismatches({
        'static.network.vlan.internet_port_enable': '1', 'static.network.vlan.internet_port_vid': '20',
        'static.network.vlan.internet_port_priority': '5',
      }, (k) => v.get(k)), SETTINGS_SOURCES.vlan).to.deep.equal([]);
      expect(mismatches({ 'account.1.dtmf.type': '2', 'account.2.dtmf.type': '2' }, (k) => v.get(k)), SETTINGS_SOURCES.dtmf).to.deep.equal([]);
      expect(mismatches({ 'dialplan.digitmap.enable': '1', 'dialplan.digitmap.string': '[2-9]xxx|0x.T' }, (k) => v.get(k)),
        SETTINGS_SOURCES.digitmap).to.deep.equal([]);
    });

    it(`${id}: without settings none of those keys is written`, () => {
      const v = values(deviceFile(goldenFiles(template(id))));
      expect(SETTING_KEYS.filter((k) => v.has(k))).to.deep.equal([]);
    });
  }

  it('T46U: INBAND 0 and RFC2833 1; a disabled VLAN is 0; auto is not written (no negotiating value in V84/V86)', () => {
    const dtmf = (mode: 'inband' | 'rfc2833' | 'auto') =>
      values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46u'), { settings: { dtmf_mode: mode } }))).get('account.1.dtmf.type');
    expect([dtmf('inband'), dtmf('rfc2833'), dtmf('auto')], SETTINGS_SOURCES.dtmf).to.deep.equal(['0', '1', undefined]);
    const off = values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46u'), { settings: { vlan: { enabled: false } } })));
    expect(off.get('static.network.vlan.internet_port_enable'), SETTINGS_SOURCES.vlan).to.equal('0');
  });

  it('W-series DECT: no setting is written (the DECT guides were not checked for these keys)', () => {
    const v = values(deviceFile(goldenFiles(template('ui/yealink/w5x/w60p'), { settings: GOLDEN_SETTINGS })));
    expect(SETTING_KEYS.filter((k) => v.has(k))).to.deep.equal([]);
  });
});

// Screen and volumes (issue 17), as Yealink's guide states them. The T2/T4 administrator guide's "Backlight" section
// (Administrator's Guide for SIP-T2 Series/T19(P) E2/T4 Series IP Phones, p. 190): "Backlight time is applicable to
// SIP-T48G/T48S/T46G/T46S/T42G/T42S/T41P/T41S/..."; "15s, 30s, 1min, 2min, 5min, 10min or 30min: Backlight is turned off
// when the IP phone is inactive after a preset period of time (in seconds)". The key is phone_setting.backlight_time
// (Yealink's common configuration template, "Preference&Status"). No readable page gave the brightness level range or the
// volume ranges, so those are not written and every template says so.
const BACKLIGHT_SOURCE = 'Yealink T2/T4 Administrator Guide, "Backlight": T48S/T46S/T42S/T41S backlight times 15s, 30s, 1min, 2min, '
  + '5min, 10min, 30min (in seconds) on phone_setting.backlight_time';
const T4XS = /^ui\/yealink\/t4x\/t4[1268]s(-\d)?$/;
const SCREEN_VOLUME_KEYS = ['phone_setting.backlight_time', 'phone_setting.active_backlight_level', 'phone_setting.inactive_backlight_level',
  'voice.ring_vol', 'voice.handset.spk_vol', 'voice.headset.spk_vol', 'voice.handfree.spk_vol'];
const allValues = (files: RenderedFile[]) => files.map(values);

describe('Yealink screen and volumes', function () {
  this.timeout(120000);
  it('every T41S/T42S/T46S/T48S model: a 60 s backlight timeout is phone_setting.backlight_time = 60 (the guide\'s "1min")', () => {
    const models = templatesOf('yealink').filter((t) => T4XS.test(t._id));
    expect(models.map((t) => t._id)).to.include.members(['ui/yealink/t4x/t41s', 'ui/yealink/t4x/t42s', 'ui/yealink/t4x/t46s', 'ui/yealink/t4x/t48s-2']);
    const wrong = models.flatMap((t) => mismatches({ 'phone_setting.backlight_time': '60' },
      (k) => values(deviceFile(goldenFiles(t, { settings: GOLDEN_SETTINGS }))).get(k)).map((m) => `${t._id} ${m}`));
    expect(wrong, BACKLIGHT_SOURCE).to.deep.equal([]);
  });

  it('T46S: a timeout between the listed times takes the closest one the guide lists (100 s -> 2min = 120; 3600 s -> 30min = 1800)', () => {
    const bl = (s: number) => values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46s'), { settings: { screen: { backlight_timeout_s: s } } })))
      .get('phone_setting.backlight_time');
    expect([bl(100), bl(3600)], BACKLIGHT_SOURCE).to.deep.equal(['120', '1800']);
  });

  it('T46S: 0 s (never off) is not written, since the guide\'s "Always On" value was not readable and 15 s would turn the light off', () => {
    const v = values(deviceFile(goldenFiles(template('ui/yealink/t4x/t46s'), { settings: { screen: { backlight_timeout_s: 0 } } })));
    expect(v.has('phone_setting.backlight_time')).to.equal(false);
  });

  it('every model: without settings no screen or volume key; with them, only T4xS models write the backlight time, and nobody a brightness or volume', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('yealink')) {
      for (const v of allValues(goldenFiles(t))) for (const k of SCREEN_VOLUME_KEYS) if (v.has(k)) wrong.push(`${t._id} unset: ${k}`);
      for (const v of allValues(goldenFiles(t, { settings: GOLDEN_SETTINGS }))) {
        for (const k of SCREEN_VOLUME_KEYS) {
          if (v.has(k) && !(k === 'phone_setting.backlight_time' && T4XS.test(t._id))) wrong.push(`${t._id} set: ${k}`);
        }
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('every model: the template names what it does not write (brightness or backlight, and volumes) as unconfirmed', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('yealink')) {
      const facts = unconfirmedOf(t).map((u) => u.fact).join('\n');
      if (!/brightness/.test(facts)) wrong.push(`${t._id}: brightness`);
      if (!/volumes/.test(facts)) wrong.push(`${t._id}: volumes`);
    }
    expect(wrong).to.deep.equal([]);
  });
});

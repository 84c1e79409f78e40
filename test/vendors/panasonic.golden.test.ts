// Panasonic's essentials, as Panasonic's own guides state them, checked against what the seeded
// templates render for a two-line phone (UDP and TCP) with a Line key, BLF, speed dial and park keys.
import { expect } from 'chai';
import { GOLDEN_SETTINGS, BLF_TARGET, MAC, PARK_SLOT, REALM, SPEED_DIAL, TWO_TRANSPORTS, goldenFiles, lineOf, mismatches } from './golden.js';
import { plainValues, seedCatalog, template, templatesOf, type RenderedFile } from './render-seed.js';

const SOURCES = {
  format: 'Panasonic KX-UT / KX-HDV Administrator Guide, 2.4 "Configuration File Specifications": the first line is '
    + '"# Panasonic SIP Phone Standard Format File #", lines end with CR+LF, parameters are written XXX="yyy", the file ends with an empty line',
  files: 'Panasonic Administrator Guide, 2.4.3 "Configuration File Types" and 2.1.5 (DHCP option 66 without a file name): the product '
    + 'file is KX-<model>.cfg (KX-UT136.cfg, KX-HDV230.cfg); CFG_STANDARD_FILE_PATH names the per-device file, in which the phone '
    + 'replaces {mac} with its MAC',
  line: 'Panasonic Administrator Guide, SIP Settings: PHONE_NUMBER_n, SIP_AUTHID_n, SIP_PASS_n, SIP_RGSTR_ADDR_n, SIP_RGSTR_PORT_n, '
    + 'SIP_TRANSPORT_n (0 UDP, 1 TCP, 2 TLS), REG_EXPIRE_TIME_n (seconds), DISPLAY_NAME_n',
  keys: 'KX-HDV230 Administrator Guide, Flexible Button Settings: FLEX_BUTTON_FACILITY_ACTn X_PANASONIC_IPTEL_LINE (line), '
    + 'X_PANASONIC_IPTEL_BLF, X_PANASONIC_IPTEL_ONETOUCH with FLEX_BUTTON_QUICK_DIALn; KX-UT133/136: X_PANASONIC_IPTEL_DN (line appearance), '
    + 'X_PANASONIC_IPTEL_ONETOUCH; the UT busy lamp field X_PANASONIC_IPTEL_CONTACT is what independent public configurations write',
};

const REGISTRATION = (n: number, transport: string) => ({
  [`PHONE_NUMBER_${n}`]: lineOf(n).username, [`SIP_AUTHID_${n}`]: lineOf(n).username, [`SIP_PASS_${n}`]: lineOf(n).password,
  [`SIP_RGSTR_ADDR_${n}`]: REALM, [`SIP_RGSTR_PORT_${n}`]: '5060', [`SIP_TRANSPORT_${n}`]: transport,
  [`REG_EXPIRE_TIME_${n}`]: '300', [`DISPLAY_NAME_${n}`]: lineOf(n).display,
});

const values = (f: RenderedFile) => plainValues(f.text, /=/);
const deviceFile = (files: RenderedFile[]) => files.find((f) => f.scope === 'device')!;

describe('Panasonic golden facts', function () {
  this.timeout(120000);
  it('every model: the product file KX-<model>.cfg and the per-device file it names, in the standard format', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('panasonic')) {
      const files = goldenFiles(t);
      const product = `KX-${String(t.endpoint_model).replace(/-\d$/, '').toUpperCase()}.cfg`;
      if (!files.some((f) => f.name === product)) wrong.push(`${t._id}: no ${product}`);
      const standard = values(files.find((f) => f.name === product) || files[0]).get('CFG_STANDARD_FILE_PATH') || '';
      const device = /\/([^/]*)$/.exec(standard)?.[1]?.replace('{mac}', MAC);
      if (!files.some((f) => f.scope === 'device' && f.name === device)) wrong.push(`${t._id}: CFG_STANDARD_FILE_PATH names ${device}, not served`);
      for (const f of files) {
        if (!f.text.startsWith('# Panasonic SIP Phone Standard Format File #')) wrong.push(`${t._id} ${f.name}: first line`);
        if (/[^\r]\n/.test(f.text)) wrong.push(`${t._id} ${f.name}: a line not ended by CR+LF`);
        if (!f.text.endsWith('\r\n')) wrong.push(`${t._id} ${f.name}: does not end with a line end`);
        for (const line of f.text.split('\r\n').slice(1)) {
          if (line && !line.startsWith('#') && !/^[A-Z0-9_]+="[^"]*"$/.test(line)) wrong.push(`${t._id} ${f.name}: ${line}`);
        }
      }
    }
    expect(wrong, `${SOURCES.format}; ${SOURCES.files}`).to.deep.equal([]);
  });

  for (const id of ['ui/panasonic/ut/ut136', 'ui/panasonic/hdv/hdv230']) {
    it(`${id}: both lines register with the server, port, transport, user, password, expiry and name`, () => {
      const v = values(deviceFile(goldenFiles(template(id), TWO_TRANSPORTS)));
      expect(mismatches({ ...REGISTRATION(1, '0'), ...REGISTRATION(2, '1') }, (k) => v.get(k)), SOURCES.line).to.deep.equal([]);
    });
  }

  it('KX-HDV230: BLF, one-touch speed dial, park and Line buttons', () => {
    const v = values(deviceFile(goldenFiles(template('ui/panasonic/hdv/hdv230'))));
    expect(mismatches({
      FLEX_BUTTON_FACILITY_ACT1: 'X_PANASONIC_IPTEL_BLF', FLEX_BUTTON_FACILITY_ARG1: BLF_TARGET,
      FLEX_BUTTON_FACILITY_ACT2: 'X_PANASONIC_IPTEL_ONETOUCH', FLEX_BUTTON_QUICK_DIAL2: SPEED_DIAL,
      FLEX_BUTTON_FACILITY_ACT3: 'X_PANASONIC_IPTEL_BLF', FLEX_BUTTON_FACILITY_ARG3: PARK_SLOT,
      FLEX_BUTTON_FACILITY_ACT4: 'X_PANASONIC_IPTEL_LINE',
    }, (k) => v.get(k)), SOURCES.keys).to.deep.equal([]);
  });

  it('KX-UT136: busy lamp field, one-touch speed dial and line appearance DN buttons', () => {
    const v = values(deviceFile(goldenFiles(template('ui/panasonic/ut/ut136'))));
    expect(mismatches({
      FLEX_BUTTON_FACILITY_ACT1: 'X_PANASONIC_IPTEL_CONTACT', FLEX_BUTTON_FACILITY_ARG1: BLF_TARGET,
      FLEX_BUTTON_FACILITY_ACT2: 'X_PANASONIC_IPTEL_ONETOUCH', FLEX_BUTTON_QUICK_DIAL2: SPEED_DIAL,
      FLEX_BUTTON_FACILITY_ACT4: 'X_PANASONIC_IPTEL_DN',
    }, (k) => v.get(k)), SOURCES.keys).to.deep.equal([]);
  });

  it('KX-HDV230 with a KX-HDV20 console: its first key is DSS_BUTTON_*1', () => {
    const v = values(deviceFile(goldenFiles(template('ui/panasonic/hdv/hdv230-1'))));
    expect(mismatches({ DSS_BUTTON_FACILITY_ACT1: 'X_PANASONIC_IPTEL_BLF', DSS_BUTTON_FACILITY_ARG1: BLF_TARGET }, (k) => v.get(k)), SOURCES.keys)
      .to.deep.equal([]);
  });
});

// Neutral settings and firmware. The parameter names are the Panasonic Administrator Guides' ('VLAN Settings',
// 'Firmware Update Settings'); the guide's parameter pages could not be read for this change, so the names and
// the Y/N form are as an independent public configuration writes them (wazo-provd-plugins xivo-panasonic
// base.tpl: VLAN_ENABLE="Y", VLAN_ID_IP_PHONE; a public Panasonic template: FIRM_UPGRADE_ENABLE="Y",
// FIRM_VERSION="01.133", FIRM_FILE_PATH=<full URL of the .fw file>). The templates mark them unconfirmed.
// DTMF_METHOD_n, DIAL_PLAN_n, VLAN priority, backlight and volumes are not written (profile: unconfirmed).
const SETTINGS_SOURCE = 'Panasonic Administrator Guide parameter names (VLAN Settings, Firmware Update Settings) as wazo-provd-plugins '
  + 'xivo-panasonic and a public Panasonic template write them; unconfirmed in the templates';
const SETTING_KEYS = ['VLAN_ENABLE', 'VLAN_ID_IP_PHONE', 'VLAN_PRI_IP_PHONE', 'DTMF_METHOD_1', 'DTMF_METHOD_2', 'DIAL_PLAN_1', 'DIAL_PLAN_2'];
const FIRMWARE_KEYS = ['FIRM_UPGRADE_ENABLE', 'FIRM_VERSION', 'FIRM_FILE_PATH'];

describe('Panasonic golden facts: neutral settings and firmware', function () {
  this.timeout(120000);

  it('every model: VLAN_ENABLE="Y" and VLAN_ID_IP_PHONE in the per-device file; nothing for DTMF, dial plan, VLAN priority', () => {
    for (const t of templatesOf('panasonic')) {
      const v = values(deviceFile(goldenFiles(t, { settings: GOLDEN_SETTINGS })));
      expect(mismatches({ VLAN_ENABLE: 'Y', VLAN_ID_IP_PHONE: '20', VLAN_PRI_IP_PHONE: undefined, DTMF_METHOD_1: undefined,
        DIAL_PLAN_1: undefined }, (k) => v.get(k)), `${t._id}: ${SETTINGS_SOURCE}`).to.deep.equal([]);
    }
  });

  it('VLAN switched off: VLAN_ENABLE="N" and no VLAN ID', () => {
    const v = values(deviceFile(goldenFiles(template('ui/panasonic/hdv/hdv230'), { settings: { vlan: { enabled: false, id: 20 } } })));
    expect(mismatches({ VLAN_ENABLE: 'N', VLAN_ID_IP_PHONE: undefined }, (k) => v.get(k)), SETTINGS_SOURCE).to.deep.equal([]);
  });

  it('every model: an assigned firmware sets FIRM_UPGRADE_ENABLE="Y", FIRM_VERSION and FIRM_FILE_PATH (the file\'s full URL)', () => {
    for (const t of templatesOf('panasonic')) {
      const v = values(deviceFile(goldenFiles(t, { firmware: { id: 'fw1', version: '01.133', file_name: 'KX-HDV230-01.133.fw' } })));
      expect(mismatches({ FIRM_UPGRADE_ENABLE: 'Y', FIRM_VERSION: '01.133',
        FIRM_FILE_PATH: 'https://prov.example.com/prov/fw/fw1/KX-HDV230-01.133.fw' }, (k) => v.get(k)), `${t._id}: ${SETTINGS_SOURCE}`)
        .to.deep.equal([]);
    }
  });

  it('every model: without settings or firmware none of those keys is in any file', () => {
    for (const t of templatesOf('panasonic')) {
      for (const f of goldenFiles(t)) {
        const v = values(f);
        expect([...SETTING_KEYS, ...FIRMWARE_KEYS].filter((k) => v.has(k)), `${t._id} ${f.name}`).to.deep.equal([]);
      }
    }
  });

  it('marks what no Panasonic page read for this change settles', () => {
    const t = (template('ui/panasonic/ut/ut136').unconfirmed || []).map((u) => u.fact).join('\n');
    expect(t).to.match(/VLAN_ENABLE/).and.to.match(/FIRM_FILE_PATH/);
  });
});

// Issue 17: what stays unwritten on Panasonic. The Administrator Guides' parameter pages (section 5: VLAN priority, DTMF,
// dial plan, display and volume parameters) could not be read, so none of those neutral settings reaches a file. The
// network phonebook of Panasonic's XML Application Developer's Guide (TGP600, HDV100/130/230/330/430, rev. 2.50/2.52,
// 3.3.3 "GET PhoneBook method", 5.2.8 "PhoneBook": <ppxml><Screen><PhoneBook><Personnel id="1-20">) is a screen the phone
// requests while the user searches, not a file it downloads whole, so the profile names no phonebook file.
describe('Panasonic: neutral settings other than VLAN, and the remote phonebook, are not written (unconfirmed)', function () {
  this.timeout(120000);

  it('every model: DTMF, dial plan, screen and volumes leave every file as it is without them', () => {
    const { vlan: _vlan, ...rest } = GOLDEN_SETTINGS;
    for (const t of templatesOf('panasonic')) {
      expect(goldenFiles(t, { settings: rest }).map((f) => f.text), t._id).to.deep.equal(goldenFiles(t).map((f) => f.text));
    }
  });

  it('the profile says why (parameter pages not read; the network phonebook is an XML-application screen) and names no phonebook file', () => {
    const p = seedCatalog().profiles.get('panasonic')!;
    const text = (p.unconfirmed || []).map((u) => `${u.fact}: ${u.reason}`).join('\n');
    expect(text).to.match(/dtmf_mode/).and.to.match(/dial_plan/).and.to.match(/remote phonebook: .*PhoneBook.*not a file/);
    expect(p.phonebook).to.equal(undefined);
  });
});

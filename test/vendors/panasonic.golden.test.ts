// Panasonic's essentials, as Panasonic's own guides state them, checked against what the seeded
// templates render for a two-line phone (UDP and TCP) with a Line key, BLF, speed dial and park keys.
import { expect } from 'chai';
import { BLF_TARGET, MAC, PARK_SLOT, REALM, SPEED_DIAL, TWO_TRANSPORTS, goldenFiles, lineOf, mismatches } from './golden.js';
import { plainValues, template, templatesOf, type RenderedFile } from './render-seed.js';

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

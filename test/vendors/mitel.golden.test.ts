// Mitel/Aastra golden facts, stated from the vendors' guides and checked against what the render
// pipeline writes for every seeded Mitel model.
import { expect } from 'chai';
import { plainValues, templatesOf, template } from './render-seed.js';
import { GOLDEN_SETTINGS, BLF_TARGET, goldenFiles, lineOf, PARK_SLOT, REALM, SPEED_DIAL } from './golden.js';

const AASTRA = 'Aastra 6700i/9000i Series SIP IP Phone Administrator Guide, 41-001343-02 REV05 (Release 3.3.1)';
const MITEL68 = 'Mitel 6800i Series SIP Phones Administrator Guide, 41-001561-00 REV00 (Release 4.0.0)';

const FACTS = {
  // AASTRA ch. 2 "Configuration files": aastra.cfg for all phones, <mac>.cfg per phone, MAC in upper case.
  files: { common: 'aastra.cfg', device: '0123456789AB.cfg' },
  // AASTRA Appendix A "Basic SIP Authentication/Network Settings", per line N.
  register: (n: number): Record<string, string> => ({
    [`sip line${n} proxy ip`]: REALM,
    [`sip line${n} proxy port`]: '5060',
    [`sip line${n} registrar ip`]: REALM,
    [`sip line${n} registrar port`]: '5060',
    [`sip line${n} user name`]: lineOf(n).username,
    [`sip line${n} auth name`]: lineOf(n).username,
    [`sip line${n} password`]: lineOf(n).password,
    [`sip line${n} display name`]: lineOf(n).display,
    [`sip line${n} registration period`]: '300',
  }),
  // AASTRA Appendix A "Advanced SIP Settings": sip transport protocol 1 UDP, 2 TCP, 4 TLS (global).
  transport: { udp: '1', tcp: '2', tls: '4' } as Record<string, string>,
  // AASTRA Appendix A "Softkey/Programmable Key/Expansion Module Key Parameters": types blf,
  // speeddial, park (value "<server type>;<park code>"), line.
  keyTypes: { blf: 'blf', speeddial: 'speeddial', park: 'park', line: 'line' },
  // Which key family each model's programmable keys are written to (AASTRA / MITEL68 key tables).
  keyFamily: { '6731i': 'prgkey', '6739i': 'softkey', '6863i': 'prgkey', '6865i': 'prgkey', '6869i': 'topsoftkey' } as Record<string, string>,
  // Expansion modules (M675i/M680i/M685i): "expmod<module> key<N> type/value/line".
  expansion: (module: number, key: number) => `expmod${module} key${key}`,
};

describe(`Mitel golden facts (${AASTRA}; ${MITEL68})`, function () {
  this.timeout(60000);

  it('serves aastra.cfg to every model and <MAC>.cfg (upper case) per phone', () => {
    for (const t of templatesOf('mitel')) {
      const names = goldenFiles(t).map((f) => `${f.scope}:${f.name}`).sort();
      expect(names, t._id).to.deep.equal([`common:${FACTS.files.common}`, `device:${FACTS.files.device}`]);
    }
  });

  it('registers both lines with server, port, user, auth user, password, display name and expiry', () => {
    for (const t of templatesOf('mitel')) {
      const v = plainValues(goldenFiles(t).find((f) => f.scope === 'device')!.text, /:\s*/);
      for (const n of [1, 2]) {
        for (const [key, want] of Object.entries(FACTS.register(n))) expect(v.get(key), `${t._id} ${key}`).to.equal(want);
      }
    }
  });

  it('keeps credentials out of aastra.cfg', () => {
    for (const t of templatesOf('mitel')) {
      const common = goldenFiles(t).find((f) => f.scope === 'common')!.text;
      expect(common, t._id).not.to.include(lineOf(1).password);
      expect(common, t._id).not.to.match(/^sip line/m);
    }
  });

  for (const transport of ['udp', 'tcp', 'tls']) {
    it(`writes the global transport for ${transport} lines`, () => {
      const v = plainValues(goldenFiles(template('ui/mitel/68xx/6869i'), { transports: [transport, transport] })[1].text, /:\s*/);
      expect(v.get('sip transport protocol')).to.equal(FACTS.transport[transport]);
    });
  }

  it('says so when two lines want different transports (one transport per phone)', () => {
    const files = goldenFiles(template('ui/mitel/68xx/6869i'), { transports: ['udp', 'tls'] });
    const device = files.find((f) => f.scope === 'device')!;
    expect(plainValues(device.text, /:\s*/).get('sip transport protocol')).to.equal(FACTS.transport.udp);
    expect(device.problems.join('\n')).to.match(/one SIP transport for all lines/);
  });

  for (const [model, family] of Object.entries(FACTS.keyFamily)) {
    it(`${model}: BLF, speed dial, park and line keys on ${family}1-${model === '6863i' ? 3 : 4}`, () => {
      const t = templatesOf('mitel').find((x) => x.endpoint_model === model)!;
      const v = plainValues(goldenFiles(t).find((f) => f.scope === 'device')!.text, /:\s*/);
      expect([v.get(`${family}1 type`), v.get(`${family}1 value`)]).to.deep.equal([FACTS.keyTypes.blf, BLF_TARGET]);
      expect([v.get(`${family}2 type`), v.get(`${family}2 value`)]).to.deep.equal([FACTS.keyTypes.speeddial, SPEED_DIAL]);
      expect([v.get(`${family}3 type`), v.get(`${family}3 value`)]).to.deep.equal([FACTS.keyTypes.park, `asterisk;${PARK_SLOT}`]);
      // The 6863i has three programmable keys (MITEL68, key table): no fourth key to carry the line.
      if (model !== '6863i') expect([v.get(`${family}4 type`), v.get(`${family}4 line`)]).to.deep.equal([FACTS.keyTypes.line, '1']);
    });
  }

  it('writes the first expansion-module key as expmod1 key1', () => {
    for (const id of ['ui/mitel/68xx/6869i-1', 'ui/mitel/67xx/6739i-1']) {
      const v = plainValues(goldenFiles(template(id)).find((f) => f.scope === 'device')!.text, /:\s*/);
      expect([v.get(`${FACTS.expansion(1, 1)} type`), v.get(`${FACTS.expansion(1, 1)} value`)], id).to.deep.equal([FACTS.keyTypes.blf, BLF_TARGET]);
    }
  });

  it('writes a zone outside the name table as Custom with the DST rule (Kyiv: last Sunday of March 03:00 to last Sunday of October 04:00)', () => {
    const v = plainValues(goldenFiles(template('ui/mitel/68xx/6869i'), { timezone: 'Europe/Kyiv' })[1].text, /:\s*/);
    // AASTRA "Time Zone & DST", Method 2: minutes WEST of UTC, week -1 = last occurrence, day 1 = Sunday.
    expect(Object.fromEntries(['time zone name', 'time zone minutes', 'dst minutes', 'dst start relative date', 'dst start month',
      'dst start week', 'dst start day', 'dst start hour', 'dst end month', 'dst end week', 'dst end day', 'dst end hour']
      .map((k) => [k, v.get(k)]))).to.deep.equal({
      'time zone name': 'Custom', 'time zone minutes': '-120', 'dst minutes': '60', 'dst start relative date': '1',
      'dst start month': '3', 'dst start week': '-1', 'dst start day': '1', 'dst start hour': '3',
      'dst end month': '10', 'dst end week': '-1', 'dst end day': '1', 'dst end hour': '4',
    });
  });

  it('asks for no language pack the server does not serve', () => {
    const v = plainValues(goldenFiles(template('ui/mitel/68xx/6869i'), { language: 'de-de' })[1].text, /:\s*/);
    expect(v.get('language')).to.equal('0');
    expect([...v.keys()].filter((k) => /^language \d/.test(k))).to.deep.equal([]);
  });
});

// Neutral settings and the directory list on Mitel's own keys, as the Aastra/Mitel guide states them.
const AASTRA331 = 'Aastra 6700i, 6800i and 9000i Series SIP IP Phones Administrator Guide, 41-001343-02 REV04';
const SETTINGS_FACTS = {
  // AASTRA331 Appendix A "LAN Port (Ethernet Port 0) Parameters": "tagging enabled: 1", "vlan id: 3" (1-4095).
  vlan: { 'tagging enabled': '1', 'vlan id': '20' },
  // AASTRA331 "Out-of-Band DTMF and DTMF Method": sip dtmf method 0 RTP / 1 SIP INFO / 2 both; sip out-of-band dtmf 0/1;
  // SIP INFO (1) with out-of-band 0 = SIP INFO only; RTP (0) with 1 = RFC 2833; RTP (0) with 0 = in-band.
  dtmf: { sip_info: ['1', '0'], rfc2833: ['0', '1'], inband: ['0', '0'] } as Record<string, [string, string]>,
  // AASTRA331 "Directory List": "directory 1: <file>" on the configuration server; lines "name, number[, line]", quoted when the
  // name holds a comma ("manny, jr", 093666888, 9).
  directory: `phonebook-0123456789AB.csv`,
};
const SETTING_KEYS = ['tagging enabled', 'vlan id', 'sip dtmf method', 'sip out-of-band dtmf', 'sip dial plan'];
const deviceValues = (spec: Parameters<typeof goldenFiles>[1], id = 'ui/mitel/68xx/6869i') =>
  plainValues(goldenFiles(template(id), spec).find((f) => f.scope === 'device')!.text, /:\s*/);

describe(`Mitel golden facts: settings and directory (${AASTRA331})`, function () {
  this.timeout(60000);

  it('every model: VLAN tagging and id, SIP INFO DTMF; the digit map is not written (sip dial plan is another syntax)', () => {
    for (const t of templatesOf('mitel')) {
      const v = deviceValues({ settings: GOLDEN_SETTINGS }, t._id);
      expect(v.get('tagging enabled'), t._id).to.equal(SETTINGS_FACTS.vlan['tagging enabled']);
      expect(v.get('vlan id'), t._id).to.equal(SETTINGS_FACTS.vlan['vlan id']);
      expect([v.get('sip dtmf method'), v.get('sip out-of-band dtmf')], t._id).to.deep.equal(SETTINGS_FACTS.dtmf.sip_info);
      expect(v.has('sip dial plan'), t._id).to.equal(false);
    }
  });

  it('DTMF rfc2833 and inband per the method matrix; auto writes nothing', () => {
    for (const mode of ['rfc2833', 'inband'] as const) {
      const v = deviceValues({ settings: { dtmf_mode: mode } });
      expect([v.get('sip dtmf method'), v.get('sip out-of-band dtmf')], mode).to.deep.equal(SETTINGS_FACTS.dtmf[mode]);
    }
    const auto = deviceValues({ settings: { dtmf_mode: 'auto' } });
    expect([auto.has('sip dtmf method'), auto.has('sip out-of-band dtmf')]).to.deep.equal([false, false]);
  });

  it('VLAN off: tagging enabled 0 and no vlan id', () => {
    const v = deviceValues({ settings: { vlan: { enabled: false } } });
    expect([v.get('tagging enabled'), v.has('vlan id')]).to.deep.equal(['0', false]);
  });

  it('every model: no settings, none of the settings keys', () => {
    for (const t of templatesOf('mitel')) {
      for (const f of goldenFiles(t)) {
        const v = plainValues(f.text, /:\s*/);
        expect(SETTING_KEYS.filter((k) => v.has(k)), `${t._id} ${f.name}`).to.deep.equal([]);
      }
    }
  });

  it('directory 1 names the phonebook file on the configuration server, a "name, number" list', async () => {
    expect(deviceValues({}).get('directory 1')).to.equal(SETTINGS_FACTS.directory);
    const { PHONEBOOK_FORMATS } = await import('../../server/phonebooks/formats.js');
    const text = PHONEBOOK_FORMATS.aastra_directory([{ name: 'Kim Target', number: '4711', source: 'kazoo' },
      { name: 'manny, jr', number: '093666888', source: 'operator' }], 'Acme');
    expect(text.split('\n')).to.deep.equal(['Kim Target, 4711', '"manny, jr", 093666888', '']);
  });
});

// Issue 17: what stays unwritten on Mitel. The phone takes its firmware as <phone model>.st from the root of the
// configuration server (Mitel 6800 Series SIP Phone Release 4.2.0 SP2 Administrator Guide, 1-25 "Installing the
// Firmware/Configuration Files"), checked at the resync time with "auto resync mode" 2 or 3 (AASTRA331 A-22): no key
// names a per-phone image URL, so an assigned firmware changes nothing. Backlight, brightness and volume keys were not
// read from a Mitel/Aastra page with their ranges, so those neutral settings change nothing either.
describe(`Mitel: firmware URL, screen and volumes are not written (unconfirmed; ${AASTRA331})`, function () {
  this.timeout(60000);
  const firmware = { id: 'fw1', version: '5.1.0.2051', file_name: '6869i.st' };

  it('every model: an assigned firmware and the screen and volume settings leave every file as it is', () => {
    for (const t of templatesOf('mitel')) {
      const plain = goldenFiles(t).map((f) => f.text);
      const set = goldenFiles(t, { firmware, settings: { screen: GOLDEN_SETTINGS.screen, volumes: GOLDEN_SETTINGS.volumes } }).map((f) => f.text);
      expect(set, t._id).to.deep.equal(plain);
    }
  });

  it('every model: the templates say why, naming <model>.st on the configuration server and auto resync mode', () => {
    for (const t of templatesOf('mitel')) {
      const u = (t.unconfirmed || []);
      expect(u.find((x) => x.fact === 'firmware')?.reason, t._id).to.match(/<phone model>\.st/).and.to.match(/auto resync mode/);
      expect(u.find((x) => x.fact === 'settings.screen.* and settings.volumes.*')?.reason, t._id).to.match(/ringer volume minimum/);
    }
  });
});

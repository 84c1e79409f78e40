// Cisco's essentials, as Cisco's own guides state them, checked against what the seeded templates
// render for a two-line phone (UDP and TCP) with a Line key, BLF, speed dial and park keys.
import { expect } from 'chai';
import { GOLDEN_SETTINGS, BLF_TARGET, MAC, PARK_SLOT, REALM, SCREEN_AND_VOLUMES, SPEED_DIAL, TWO_TRANSPORTS, goldenFiles, lineOf, mismatches,
  templatesChangedBy, unconfirmedOf, xmlElements } from './golden.js';
import { template, templatesOf, type RenderedFile } from './render-seed.js';

const SOURCES = {
  profile: 'Cisco IP Phone 7800/8800 Series Multiplatform Phones Provisioning Guide, "Configuration Profile" and "Macro Expansion '
    + 'Variables": XML profiles are <flat-profile> with one element per parameter; Profile_Rule is the URL of the next resync; $MA is the '
    + 'MAC in lower-case hex digits. SPA300/500 Provisioning Guide: Profile_Rule factory default /spa$PSN.cfg (spa504G.cfg)',
  ext: 'Cisco IP Phone 8800 Series Multiplatform Phones Administration Guide, Ext (n): Line_Enable, Proxy, User_ID, Password, Use_Auth_ID '
    + '(Auth_ID is used only when Yes), Auth_ID, Display_Name, Register, Register_Expires (seconds), SIP_Transport (UDP, TCP, TLS, AUTO)',
  keys: 'Cisco IP Phone 8800 Series Multiplatform Phones Administration Guide, Line Key n: Extension_n_ (the line the key shows, or '
    + 'Disabled for a feature key), Extended_Function_n_ "fnc=blf+sd+cp;sub=<user>@<host>" (busy lamp field), "fnc=sd;ext=<number>@$PROXY" '
    + '(speed dial); key expansion modules Unit_n_Key_m_ with the same syntax (XML Reference Guide for Multiplatform Phones)',
  locale: 'Cisco IP Phone 6800/7800/8800 Multiplatform Administration Guide, Regional > Language: a Locale other than English needs its '
    + 'dictionary from the Dictionary_Server_Script server (serv=...;d0=English;x0=...;d1=German;x1=de-DE_88xx-<firmware>.xml)',
};

const text = (f: RenderedFile, name: string) => xmlElements(f.text, name)[0]?.text;

const REGISTRATION = (n: number, transport: string) => ({
  [`Line_Enable_${n}_`]: 'Yes', [`Register_${n}_`]: 'Yes', [`Proxy_${n}_`]: REALM,
  [`User_ID_${n}_`]: lineOf(n).username, [`Password_${n}_`]: lineOf(n).password,
  [`Use_Auth_ID_${n}_`]: 'Yes', [`Auth_ID_${n}_`]: lineOf(n).username,
  [`Display_Name_${n}_`]: lineOf(n).display, [`Register_Expires_${n}_`]: '300', [`SIP_Transport_${n}_`]: transport,
});

const deviceFile = (files: RenderedFile[]) => files.find((f) => f.name === `${MAC}.xml`)!;

describe('Cisco golden facts', function () {
  this.timeout(120000);
  it('every model: <flat-profile> files whose Profile_Rule names the per-MAC file the server serves ($MA, lower case)', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('cisco')) {
      const files = goldenFiles(t);
      for (const f of files) {
        if (!/^<\?xml[^>]*>\s*<flat-profile>/.test(f.text)) wrong.push(`${t._id} ${f.name}: not a <flat-profile>`);
        const rule = text(f, 'Profile_Rule');
        if (rule === undefined) continue;
        const name = /\/([^/]*\$MA[^/]*)$/.exec(rule)?.[1];
        if (!name) { wrong.push(`${t._id} ${f.name}: Profile_Rule ${rule} names no per-MAC file`); continue; }
        if (!files.some((x) => x.scope === 'device' && x.name === name.replace('$MA', MAC))) wrong.push(`${t._id}: ${name} is not served`);
      }
    }
    expect(wrong, SOURCES.profile).to.deep.equal([]);
  });

  it('SPA 504G: the file a factory-new phone asks for is spa504G.cfg', () => {
    expect(goldenFiles(template('ui/cisco/spa5xx/504g')).map((f) => f.name), SOURCES.profile).to.include('spa504G.cfg');
  });

  for (const id of ['ui/cisco/mpp88xx/cp8851', 'ui/cisco/spa5xx/504g', 'ui/cisco/ata19x/ata191']) {
    it(`${id}: both lines register with the server, transport, user, auth id, password, expiry and name`, () => {
      const f = deviceFile(goldenFiles(template(id), TWO_TRANSPORTS));
      expect(mismatches({ ...REGISTRATION(1, 'UDP'), ...REGISTRATION(2, 'TCP') }, (k) => text(f, k)), SOURCES.ext).to.deep.equal([]);
    });
  }

  it('8851: a line key shows line 1; BLF and speed dial are Extended_Function keys on a Disabled extension', () => {
    const f = deviceFile(goldenFiles(template('ui/cisco/mpp88xx/cp8851')));
    expect(mismatches({ Extension_4_: '1', Extension_1_: 'Disabled', Extension_2_: 'Disabled' }, (k) => text(f, k)), SOURCES.keys).to.deep.equal([]);
    const fn = (n: number) => text(f, `Extended_Function_${n}_`) || '';
    expect(fn(1), SOURCES.keys).to.match(new RegExp(`^fnc=blf\\+sd\\+cp;sub=${BLF_TARGET}@${REALM.replace(/\./g, '\\.')}(;|$)`));
    expect(fn(2), SOURCES.keys).to.match(new RegExp(`^fnc=sd;ext=${SPEED_DIAL}@\\$PROXY(;|$)`));
    expect(fn(3), SOURCES.keys).to.include(`sub=${PARK_SLOT}@${REALM}`);
  });

  it('8851 with a key expansion module: its first key is Unit_1_Key_1_', () => {
    const f = deviceFile(goldenFiles(template('ui/cisco/mpp88xx/cp8851-1')));
    expect(text(f, 'Unit_1_Key_1_'), SOURCES.keys).to.match(new RegExp(`^fnc=blf\\+sd\\+cp;sub=${BLF_TARGET}@`));
  });

  it('every multiplatform phone, German user: no Locale without a dictionary server to load it from', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('cisco').filter((x) => String(x.endpoint_family).startsWith('mpp'))) {
      const f = deviceFile(goldenFiles(t, { language: 'de-de' }));
      const locale = text(f, 'Locale');
      if (locale !== 'en-US' && !text(f, 'Dictionary_Server_Script')) wrong.push(`${t._id}: Locale ${locale} with no Dictionary_Server_Script`);
    }
    expect(wrong, SOURCES.locale).to.deep.equal([]);
  });

  it('ATA 191/192: the unconfirmed bootstrap file name is said so in the template', () => {
    for (const id of ['ui/cisco/ata19x/ata191', 'ui/cisco/ata19x/ata192']) {
      const u = (template(id) as { unconfirmed?: Array<{ fact: string }> }).unconfirmed || [];
      expect(u.map((x) => x.fact).join(' '), id).to.match(/bootstrap file name/);
    }
  });
});

// Neutral settings, phonebook and firmware on Cisco's own keys, as Cisco's guides state them.
const SETTINGS_SOURCES = {
  vlan: 'Cisco SPA300/SPA500 IP Phone Administration Guide, "Configuring VLAN Settings": a manually configured VLAN ID is used when the '
    + 'manual VLAN is enabled (Enable VLAN Yes, VLAN ID); XML names are the web field names with underscores',
  dtmf: 'Cisco SPA9000 Voice System Administration Guide / SPA100-200 Provisioning Guide, DTMF_Tx_Method_n_: InBand, AVT, INFO, Auto',
  dial: 'Cisco IP Phone 8800 Series Multiplatform Phones Administration Guide, "Dial Plan": digit sequences separated by |, the whole plan '
    + 'enclosed within parentheses, per Ext(n); its elements have no timer letter T (RFC 3435 digit maps do), so the T is not written',
  directory: 'Cisco IP Phone 6800 Series Multiplatform Phones Administration Guide, "XML Directory Service": XML Directory Service URL; '
    + 'Cisco IP Phone Services Application Development Notes: <CiscoIPPhoneDirectory> with <Title>, <Prompt>, <DirectoryEntry><Name>'
    + '<Telephone>',
  upgrade: 'Cisco IP Phone 8800 Multiplatform Administration Guide, Firmware Upgrade: Upgrade_Rule is the firmware URL',
};
const SETTING_KEYS = ['Enable_VLAN', 'VLAN_ID', 'DTMF_Tx_Method_1_', 'DTMF_Tx_Method_2_', 'Dial_Plan_1_', 'Dial_Plan_2_'];

describe('Cisco golden facts: settings, phonebook, firmware', function () {
  this.timeout(120000);
  for (const id of ['ui/cisco/mpp88xx/cp8851', 'ui/cisco/spa5xx/504g']) {
    it(`${id}: VLAN, DTMF per extension and the dial plan per extension`, () => {
      for (const f of goldenFiles(template(id), { settings: GOLDEN_SETTINGS }).filter((x) => x.scope === 'device')) {
        expect(mismatches({ Enable_VLAN: 'Yes', VLAN_ID: '20' }, (k) => text(f, k)), `${f.name}: ${SETTINGS_SOURCES.vlan}`).to.deep.equal([]);
        expect(mismatches({ DTMF_Tx_Method_1_: 'INFO', DTMF_Tx_Method_2_: 'INFO' }, (k) => text(f, k)), SETTINGS_SOURCES.dtmf).to.deep.equal([]);
        expect(mismatches({ Dial_Plan_1_: '([2-9]xxx|0x.)', Dial_Plan_2_: '([2-9]xxx|0x.)' }, (k) => text(f, k)), SETTINGS_SOURCES.dial)
          .to.deep.equal([]);
      }
    });
  }

  it('DTMF: rfc2833 is AVT, inband InBand, auto Auto', () => {
    const t = template('ui/cisco/mpp88xx/cp8851');
    const got = (['rfc2833', 'inband', 'auto'] as const).map((m) => text(deviceFile(goldenFiles(t, { settings: { dtmf_mode: m } })), 'DTMF_Tx_Method_1_'));
    expect(got, SETTINGS_SOURCES.dtmf).to.deep.equal(['AVT', 'InBand', 'Auto']);
  });

  it('VLAN off: Enable_VLAN No and no VLAN_ID', () => {
    const f = deviceFile(goldenFiles(template('ui/cisco/mpp88xx/cp8851'), { settings: { vlan: { enabled: false } } }));
    expect(mismatches({ Enable_VLAN: 'No', VLAN_ID: undefined }, (k) => text(f, k)), SETTINGS_SOURCES.vlan).to.deep.equal([]);
  });

  it('every model: no settings, none of the settings keys, and no Upgrade_Rule', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('cisco')) {
      for (const f of goldenFiles(t)) {
        for (const k of [...SETTING_KEYS, 'Upgrade_Rule']) if (xmlElements(f.text, k).length) wrong.push(`${t._id} ${f.name}: ${k}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('multiplatform phones: XML_Directory_Service_URL names the phonebook file, a CiscoIPPhoneDirectory', async () => {
    const f = deviceFile(goldenFiles(template('ui/cisco/mpp88xx/cp8851')));
    expect(text(f, 'XML_Directory_Service_URL'), SETTINGS_SOURCES.directory).to.equal(`https://prov.example.com/prov/cisco/phonebook-${MAC}.xml`);
    const { PHONEBOOK_FORMATS } = await import('../../server/phonebooks/formats.js');
    const xml = PHONEBOOK_FORMATS.cisco_directory([{ name: 'Kim Target', number: '4711', source: 'kazoo' }, { name: 'A & B', number: '2002', source: 'kazoo' }], 'Acme');
    expect(xml, SETTINGS_SOURCES.directory).to.match(/<CiscoIPPhoneDirectory>\s*<Title>Acme<\/Title>\s*<Prompt>/);
    expect(xmlElements(xml, 'Name').map((e) => e.text)).to.deep.equal(['Kim Target', 'A & B']);
    expect(xmlElements(xml, 'Telephone').map((e) => e.text)).to.deep.equal(['4711', '2002']);
  });

  it('firmware: Upgrade_Rule is the assigned firmware URL', () => {
    const f = deviceFile(goldenFiles(template('ui/cisco/mpp88xx/cp8851'), { firmware: { id: 'fw1', version: '12.0.1', file_name: 'sip88xx.12-0-1MPP-5.loads' } }));
    expect(text(f, 'Upgrade_Rule'), SETTINGS_SOURCES.upgrade).to.match(/^https:\/\/prov\.example\.com\/.*sip88xx\.12-0-1MPP-5\.loads$/);
  });
});

// Issue 17: screen, volumes and the SPA phonebook. The Cisco guides' Back Light Timer, LCD contrast and volume fields
// with their value ranges were not on readable pages, nor the SPA300/500 guide's XML Directory Service fields (its
// "Configuring XML Services" section, p. 105, was readable only from "XML Applications" on). None is written; every
// template says so, and the ATA 191/192 say they have no screen.
describe('Cisco golden facts: screen, volumes and the SPA phonebook are not written (unconfirmed)', function () {
  this.timeout(120000);
  it('every model: the files are the same with screen and volume settings as without', () => {
    expect(templatesChangedBy('cisco', SCREEN_AND_VOLUMES)).to.deep.equal([]);
  });

  it('every model: the template names screen and volumes as unconfirmed, with a reason (ATA: no screen)', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('cisco')) {
      const hit = unconfirmedOf(t).find((x) => /settings\.screen/.test(x.fact) && /settings\.volumes/.test(x.fact));
      if (!hit?.reason) wrong.push(`${t._id}: no entry`);
      else if (t.endpoint_family === 'ata19x' && !/no screen/.test(hit.reason)) wrong.push(`${t._id}: ${hit.reason}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('SPA 3xx/5xx: no XML_Directory_Service_URL, and the template names the XML directory as unconfirmed', () => {
    const wrong: string[] = [];
    for (const t of templatesOf('cisco').filter((x) => /^spa/.test(String(x.endpoint_family)))) {
      for (const f of goldenFiles(t)) if (xmlElements(f.text, 'XML_Directory_Service_URL').length) wrong.push(`${t._id} ${f.name}`);
      if (!unconfirmedOf(t).some((u) => /XML directory/.test(u.fact) && u.reason)) wrong.push(`${t._id}: not unconfirmed`);
    }
    expect(wrong, SETTINGS_SOURCES.directory).to.deep.equal([]);
  });
});

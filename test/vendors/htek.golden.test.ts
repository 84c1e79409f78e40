// Htek golden facts. Htek publishes its provisioning process and file format (Htek wiki) but no
// P-value list; the values below are the ones independent public configurations agree on
// (wazo-provd-plugins wazo-htek), and the templates mark what that cannot settle as unconfirmed.
import { expect } from 'chai';
import { capabilitiesOf } from '../../server/catalog/types.js';
import { templatesOf, template } from './render-seed.js';
import { BLF_TARGET, describeNothingWritten, goldenFiles, lineOf, PARK_SLOT, REALM, SPEED_DIAL } from './golden.js';

const WIKI = 'Htek UC900 Series IP Phones Provisioning guide (Htek wiki, 2.1 Provision Process; Download Xml File format)';
const INDEPENDENT = 'wazo-provd-plugins wazo-htek (templates/base.tpl, common/common.py)';

/** value of the element whose para attribute is `para` (Htek's export names every P-value so). */
const byPara = (text: string, para: string) => new RegExp(`<P\\d+ para="${para.replace(/\./g, '\\.')}">([^<]*)</P\\d+>`).exec(text)?.[1];
const byP = (text: string, p: string) => new RegExp(`<${p}(?:\\s[^>]*)?>([^<]*)</${p}>`).exec(text)?.[1];

const FACTS = {
  // WIKI: the per-device file is cfg<MAC>.xml, MAC in lower case, <hl_provision><config> with para names.
  file: 'cfg0123456789ab.xml',
  // INDEPENDENT: Account1 P47 Sipserver "host:port", P35 SipUserId, P36 AuthenticateID,
  // P34 AuthenticatePassword, P3 display name, P130 SipTransport 0 UDP / 1 TCP / 2 TLS.
  account1: { P47: `${REALM}:5060`, P35: lineOf(1).username, P36: lineOf(1).username, P34: lineOf(1).password, P3: lineOf(1).display },
  transport: { udp: '0', tcp: '1', tls: '2' } as Record<string, string>,
  // WIKI export format: every account's settings carry para="Account<N>.<name>".
  account2: { 'Account2.Sipserver': `${REALM}:5060`, 'Account2.SipUserId': lineOf(2).username, 'Account2.AuthenticateID': lineOf(2).username,
    'Account2.AuthenticatePassword': lineOf(2).password },
  // INDEPENDENT: line keys 1-4 type P41200+(n-1), value P41300+(n-1); types 1 line, 2 speed dial, 3 BLF, 8 call park.
  lineKey: (n: number) => ({ type: `P${41199 + n}`, value: `P${41299 + n}` }),
  // INDEPENDENT: keys 5-36 type P20200 + 5(n-5), value P20201 + 5(n-5).
  lineKeyHigh: (n: number) => ({ type: `P${20200 + 5 * (n - 5)}`, value: `P${20201 + 5 * (n - 5)}` }),
  types: { line: '1', speedDial: '2', blf: '3', park: '8' },
  // INDEPENDENT: P212 FirmwareUpgrade.UpgradeMode 1 = HTTP.
  http: { P212: '1' },
};

const device = (t: Parameters<typeof goldenFiles>[0], spec = {}) => goldenFiles(t, spec).find((f) => f.scope === 'device')!.text;

describe(`Htek golden facts (${WIKI}; values from ${INDEPENDENT})`, function () {
  this.timeout(60000);

  it('serves cfg<mac>.xml (lower case) and no common file', () => {
    for (const t of templatesOf('htek')) {
      expect(goldenFiles(t).map((f) => `${f.scope}:${f.name}`), t._id).to.deep.equal([`device:${FACTS.file}`]);
    }
  });

  it('registers line 1 with server:port, user, auth user, password and display name; line 2 under Account2', () => {
    for (const t of templatesOf('htek')) {
      const text = device(t);
      for (const [p, want] of Object.entries(FACTS.account1)) expect(byP(text, p), `${t._id} ${p}`).to.equal(want);
      if (capabilitiesOf(t).lines >= 2) for (const [para, want] of Object.entries(FACTS.account2)) expect(byPara(text, para), `${t._id} ${para}`).to.equal(want);
    }
  });

  it('writes the transport per account', () => {
    for (const transport of ['udp', 'tcp', 'tls']) {
      expect(byP(device(template('ui/htek/uc9xx/uc926e'), { transports: [transport] }), 'P130'), transport).to.equal(FACTS.transport[transport]);
    }
  });

  it('BLF, speed dial, park and line keys on line keys 1-4', () => {
    for (const t of templatesOf('htek').filter((x) => capabilitiesOf(x).line_keys >= 4)) {
      const text = device(t);
      const k = [1, 2, 3, 4].map(FACTS.lineKey);
      expect([byP(text, k[0].type), byP(text, k[0].value)], t._id).to.deep.equal([FACTS.types.blf, BLF_TARGET]);
      expect([byP(text, k[1].type), byP(text, k[1].value)], t._id).to.deep.equal([FACTS.types.speedDial, SPEED_DIAL]);
      expect([byP(text, k[2].type), byP(text, k[2].value)], t._id).to.deep.equal([FACTS.types.park, PARK_SLOT]);
      expect(byP(text, k[3].type), t._id).to.equal(FACTS.types.line);
    }
  });

  it('key 5 and later in the P20200 block', () => {
    const text = device(template('ui/htek/uc9xx/uc926e'), { comboKeys: { 4: { type: 'speed_dial', value: { value: SPEED_DIAL } } } });
    expect([byP(text, FACTS.lineKeyHigh(5).type), byP(text, FACTS.lineKeyHigh(5).value)]).to.deep.equal([FACTS.types.speedDial, SPEED_DIAL]);
  });

  it('tells the phone HTTP and the server without a scheme for an http PUBLIC_URL', () => {
    const text = device(template('ui/htek/uc9xx/uc923'), { publicUrl: 'http://prov.example.net:8080/base' });
    expect([byP(text, 'P212'), byP(text, 'P237')]).to.deep.equal([FACTS.http.P212, 'prov.example.net:8080/base/prov/htek']);
  });

  it('marks what no source settles in the template', () => {
    const unconfirmed = (template('ui/htek/uc9xx/uc926e').unconfirmed || []).map((u) => u.fact).join('\n');
    expect(unconfirmed).to.match(/accounts 5-6/).and.to.match(/language/i);
  });
});

// Neutral settings, phonebook and firmware (issue 17, searched again): Htek publishes no P-value list; its VLAN guide
// and XML Browser Developer's Guide (v2.0.4.4.24) name no P-value for VLAN, DTMF, dial plan, screen, volumes or a remote
// phonebook URL. Firmware: the UC900 Provisioning guide (10, Firmware and Configuration File Prefix and Postfix) has the
// phone fetch several files by fixed basic names from the firmware server (UC924: boot_924.bin, img_924.bin, ring4-8.bin,
// Language.tar, hlpres.tar), so there is no single image URL, and this server would serve the one assigned image under
// each of those names. So nothing is written for them; the profile lists each as unconfirmed with what was read.
describeNothingWritten('Htek: settings, phonebook and firmware not written without an Htek document', 'htek', { id: 'fw1', version: '2.0.4.6.41', file_name: 'fw926e.rom' });

// Fanvil golden facts. The <sysConf> element names come from Fanvil's auto-provisioning
// configuration file (cited in the templates); the values no Fanvil text was found for are the
// ones an independent public configuration writes (wazo-provd-plugins wazo-fanvil) and are marked
// unconfirmed in the profile and templates.
import { expect } from 'chai';
import { capabilitiesOf } from '../../server/catalog/types.js';
import { templatesOf, template } from './render-seed.js';
import { BLF_TARGET, describeNothingWritten, goldenFiles, lineOf, PARK_SLOT, REALM, SPEED_DIAL } from './golden.js';
import { xmlText } from './next-server.js';

const GUIDE = 'Fanvil Auto Provisioning Guide, X-series configuration file (XML <sysConf>, firmware 2.x)';
const INDEPENDENT = 'wazo-provd-plugins wazo-fanvil (base-new.tpl, common.py)';

/** The <line index="n"> element of <sip>. */
const sipLine = (text: string, n: number) => new RegExp(`<line index="${n}">([\\s\\S]*?)</line>`).exec(text)?.[1] || '';

const FACTS = {
  // GUIDE: one XML file per phone, <mac>.cfg with the MAC in lower case.
  file: '0123456789ab.cfg',
  // GUIDE: <sip><line index=N>: RegisterAddr, RegisterPort, PhoneNumber, RegisterUser, RegisterPswd,
  // DisplayName, RegisterTTL (seconds), EnableReg; Transport 0 UDP / 1 TCP / 3 TLS.
  line: (n: number) => ({ RegisterAddr: REALM, RegisterPort: '5060', PhoneNumber: lineOf(n).username, RegisterUser: lineOf(n).username,
    RegisterPswd: lineOf(n).password, DisplayName: lineOf(n).display, RegisterTTL: '300', EnableReg: '1' }) as Record<string, string>,
  transport: { udp: '0', tcp: '1', tls: '3' } as Record<string, string>,
  // GUIDE: <dsskey><dssSide index=page><Fkey index=N> Type/Value/Title; INDEPENDENT: Type 1 memory key
  // with "<number>@<line>/<subtype>": f speed dial, ba BLF, c call park; Type 2 line key.
  memory: '1', lineKey: '2',
  value: { blf: `${BLF_TARGET}@1/ba`, speedDial: `${SPEED_DIAL}@1/f`, park: `${PARK_SLOT}@1/c` },
};

const fkey = (text: string, n: number) => new RegExp(`<dssSide index="1">[\\s\\S]*?<Fkey index="${n}">([\\s\\S]*?)</Fkey>`).exec(text)?.[1] || '';
const device = (t: Parameters<typeof goldenFiles>[0], spec = {}) => goldenFiles(t, spec).find((f) => f.scope === 'device')!.text;

describe(`Fanvil golden facts (${GUIDE}; values from ${INDEPENDENT})`, function () {
  this.timeout(60000);

  it('serves <mac>.cfg (lower case) to every model', () => {
    for (const t of templatesOf('fanvil')) expect(goldenFiles(t).map((f) => `${f.scope}:${f.name}`), t._id).to.deep.equal([`device:${FACTS.file}`]);
  });

  it('registers both lines with server, port, user, auth user, password, display name and expiry', () => {
    for (const t of templatesOf('fanvil')) {
      const text = device(t);
      for (const n of [1, 2]) {
        for (const [el, want] of Object.entries(FACTS.line(n))) expect(xmlText(sipLine(text, n), el), `${t._id} line ${n} ${el}`).to.equal(want);
      }
    }
  });

  it('writes the transport per line', () => {
    const text = device(template('ui/fanvil/x/x6u'), { transports: ['tcp', 'tls'] });
    expect([xmlText(sipLine(text, 1), 'Transport'), xmlText(sipLine(text, 2), 'Transport')]).to.deep.equal([FACTS.transport.tcp, FACTS.transport.tls]);
  });

  it('BLF, speed dial and park as memory keys, the line key as type 2', () => {
    for (const t of templatesOf('fanvil').filter((x) => capabilitiesOf(x).line_keys >= 3)) {
      const text = device(t);
      expect([xmlText(fkey(text, 1), 'Type'), xmlText(fkey(text, 1), 'Value')], t._id).to.deep.equal([FACTS.memory, FACTS.value.blf]);
      expect([xmlText(fkey(text, 2), 'Type'), xmlText(fkey(text, 2), 'Value')], t._id).to.deep.equal([FACTS.memory, FACTS.value.speedDial]);
      expect([xmlText(fkey(text, 3), 'Type'), xmlText(fkey(text, 3), 'Value')], t._id).to.deep.equal([FACTS.memory, FACTS.value.park]);
      if (capabilitiesOf(t).line_keys >= 4) expect(xmlText(fkey(text, 4), 'Type'), t._id).to.equal(FACTS.lineKey);
    }
  });

  it('tells an HTTP server over HTTP (FlashProtocol 4), never forcing HTTPS', () => {
    const text = device(template('ui/fanvil/x/x4u'), { publicUrl: 'http://prov.example.net:8080' });
    expect([xmlText(text, 'FlashProtocol'), xmlText(text, 'FlashServerIP')]).to.deep.equal(['4', 'http://prov.example.net:8080/prov/fanvil/']);
  });

  it('marks the values no Fanvil document settles', () => {
    const facts = [...(template('ui/fanvil/x/x4u').unconfirmed || [])].map((u) => u.fact).join('\n');
    expect(facts).to.match(/FlashProtocol/).and.to.match(/daylight-saving/);
  });
});

// Neutral settings, phonebook and firmware (issue 17, searched again): Fanvil's own documents found give no <sysConf>
// element for VLAN, per-line DTMF, dial plan, backlight or volumes (user manuals describe web-portal fields only; the
// Fanvil VoIP Auto Provision Standard v1.1 and the XML Operation Guide v1.1 name none), no remote/cloud phonebook file
// format or URL element (X3 user manual lists a Cloud Phonebook page only), and no firmware image URL element: the user
// manuals (H2U, GA10, PA2S, System >> Upgrade) have the phone read Firmware=<URL> from a vendor_model_hw10.txt version
// file on the upgrade server, which this server does not serve. So nothing is written for them; the profile lists each
// as unconfirmed with what was read.
describeNothingWritten('Fanvil: settings, phonebook and firmware not written without a Fanvil document', 'fanvil', { id: 'fw1', version: '2.12.1', file_name: 'x6u-2.12.1.z' });

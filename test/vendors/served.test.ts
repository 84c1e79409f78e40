// The golden facts hold on the bytes the server serves, not only on the pipeline's output: one
// model per brand, fetched over HTTP from a running server whose PUBLIC_URL has a port and a path.
import { expect } from 'chai';
import type { RunningServer } from '../../server/server.js';
import { filesOf, fileNameFor } from '../../server/phones/files.js';
import { startTestServer } from '../harness.js';
import { KazooFixture, newMac } from '../fixtures/kazoo.js';
import { http, waitFor } from '../support.js';
import { NEXT_SERVER, xmlAttr, xmlText } from './next-server.js';
import { plainValues } from './render-seed.js';

const PASS = 'url-pass-for-vendor-tests-4e3d';
const PUBLIC_URL = 'https://prov.example.net:8443/base';

// Where each brand's file names line 1's SIP user (see the brand's golden-facts file).
const LINE1_USER: Record<string, (text: string) => string | undefined> = {
  mitel: (t) => plainValues(t, /:\s*/).get('sip line1 user name'),
  grandstream: (t) => xmlText(t, 'P35'),
  htek: (t) => xmlText(t, 'P35'),
  fanvil: (t) => xmlText(/<line index="1">([\s\S]*?)<\/line>/.exec(t)?.[1] || '', 'PhoneNumber'),
  yealink: (t) => plainValues(t, /\s*=\s*/).get('account.1.user_name'),
  snom: (t) => /<user_name idx="1"[^>]*>([^<]*)</.exec(t)?.[1],
  polycom: (t) => xmlAttr(t, 'reg.1.address'),
  cisco: (t) => xmlText(t, 'User_ID_1_'),
  panasonic: (t) => plainValues(t, /=/).get('PHONE_NUMBER_1'),
};
const MODELS: Record<string, string> = {
  mitel: 'ui/mitel/68xx/6869i', grandstream: 'ui/grandstream/gxp21xx/gxp2170', htek: 'ui/htek/uc9xx/uc926e', fanvil: 'ui/fanvil/x/x6u',
  yealink: 'ui/yealink/t4x/t46s', snom: 'ui/snom/dxxx/d785', polycom: 'ui/polycom/vvx/vvx400', cisco: 'ui/cisco/mpp88xx/cp8851',
  panasonic: 'ui/panasonic/hdv/hdv230',
};

describe('vendor files as the server serves them', function () {
  this.timeout(60000);
  let srv: RunningServer;
  let k: KazooFixture;

  before(async () => {
    srv = await startTestServer({ publicUrl: PUBLIC_URL, indexIntervalMs: 200 } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
  });
  after(async () => { await srv.close(); });

  for (const [brand, id] of Object.entries(MODELS)) {
    it(`${brand}: the served device file registers line 1 and names ${PUBLIC_URL} as the next server`, async () => {
      const t = srv.services.catalog.allTemplates().find((x) => x._id === id)!;
      const profile = srv.services.catalog.profile(brand)!;
      const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
      const owner = await k.user(account._id, { first: 'Olga', last: 'Owner', presenceId: '2001' });
      const mac = newMac(profile.ouis?.[0] || '001122');
      const device = await k.device(account._id, { mac, ownerId: owner._id, brand, family: String(t.endpoint_family), model: String(t.endpoint_model) });
      // The file with the lines (Polycom's <mac>.cfg is only the master file that lists it).
      const file = filesOf(t, profile).find((f) => f.scope === 'device' && f.sections.includes('cfg_account'))!;
      const path = `/prov/${brand}/${fileNameFor(file, mac, profile)}?pass=${PASS}`;
      const res = await waitFor(async () => { const r = await http(`${srv.url}${path}`); return r.status === 200 ? r : null; }, 5000, path);
      expect(LINE1_USER[brand](res.text), 'line 1 user').to.equal(device.sip.username);
      const targets = NEXT_SERVER[brand]({ name: file.name, scope: 'device', text: res.text, problems: [] });
      // A target may name a file in that folder (Cisco $MA.xml, snom settings.php, Panasonic Config{mac}.cfg).
      expect(targets.map((x) => `${x.scheme}://${x.host}:${x.port}${x.path.replace(/\/[^/]*\.[^/]*$/, '').replace(/\/$/, '')}`))
        .to.deep.equal([`https://prov.example.net:8443/base/prov/${brand}`]);
    });
  }
});

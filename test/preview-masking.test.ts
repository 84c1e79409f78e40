// The config preview masks secrets in the render model, before rendering (issue 16, point 4): a
// secret with `& < > " '` is escaped by XML formats, so masking the output text missed it. Every
// brand's templates, in each format the brand uses, are previewed with such secrets. Each secret has
// an alphanumeric core no escaping changes: the masked preview must not contain it in any form, the
// revealed one must (the file does carry it). The preview also carries the device's provisioning
// username and password, masked, as the phone's file does (issue 15, point 8).
import { expect } from 'chai';
import type { TemplateDoc } from '../server/catalog/types.js';
import { newMac } from './fixtures/kazoo.js';
import { secret } from './fixtures/secrets.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { waitFor } from './support.js';

const SIP_CORE = 'Zq7SipCore';
const ADMIN_CORE = 'Wx4AdmCore';
const sipPassword = secret(`${SIP_CORE}&<p>"q'9`);
const adminPassword = secret(`${ADMIN_CORE}&<x"9'`);

describe('config preview masks secrets in every brand’s format', function () {
  this.timeout(120000);
  let w: World;
  const phones: Array<{ template: TemplateDoc; deviceId: string; mac: string }> = [];

  before(async () => {
    w = await startWorld();
    await w.kazoo.update(w.account, w.account, (doc) => { doc.provision = { provision_enabled: true, admin_password: adminPassword }; });
    // Per brand, one template of each format (generator) it has.
    const chosen = new Map<string, TemplateDoc>();
    for (const t of w.srv.services.catalog.allTemplates().sort((a, b) => a._id.localeCompare(b._id))) {
      const key = `${t.endpoint_brand}|${t.pvt_generator}`;
      if (!chosen.has(key)) chosen.set(key, t);
    }
    for (const template of chosen.values()) {
      const mac = newMac();
      const d = await w.kazoo.device(w.account, { name: `${template._id} desk`, mac, ownerId: w.ids.user, password: sipPassword,
        brand: template.endpoint_brand, family: String(template.endpoint_family), model: String(template.endpoint_model) });
      phones.push({ template, deviceId: d._id, mac });
    }
    await waitFor(async () => phones.every((p) => w.srv.services.macIndex.lookup(p.mac).kind === 'devices'), 20000, 'index');
  });
  after(async () => { await w.close(); });

  it('covers every brand of the catalog, in XML and in plain formats', () => {
    const brands = new Set(w.srv.services.catalog.allProfiles().map((p) => p.brand));
    expect(new Set(phones.map((p) => p.template.endpoint_brand))).to.deep.equal(brands);
    expect(new Set(phones.map((p) => p.template.pvt_generator))).to.include('json2xml');
    expect(phones.some((p) => p.template.pvt_generator !== 'json2xml')).to.equal(true);
  });

  it('shows no secret in any escaping to a plain user, and every one to an admin who reveals', async () => {
    let provFiles = 0;
    for (const { template, deviceId } of phones) {
      const base = `accounts/${w.account}/devices/${deviceId}/config`;
      const list = await w.call('GET', base, w.tokens.user);
      expect(list.status, template._id).to.equal(200);
      const creds = (await w.call('GET', `accounts/${w.account}/devices/${deviceId}/credentials`, w.tokens.accountAdmin)).json.data;
      secret(creds.password);
      let sipSeen = false;
      for (const file of list.json.data.files as Array<{ name: string; scope: string }>) {
        const masked = await w.call('GET', `${base}/${encodeURIComponent(file.name)}`, w.tokens.user);
        const shown = await w.call('GET', `${base}/${encodeURIComponent(file.name)}?reveal=true`, w.tokens.accountAdmin);
        expect(masked.status, `${template._id} ${file.name}`).to.equal(200);
        expect(shown.status).to.equal(200);
        const m = masked.json.data.content as string;
        const r = shown.json.data.content as string;
        expect(masked.json.data.masked).to.equal(true);
        for (const core of [SIP_CORE, ADMIN_CORE, creds.password, creds.username]) {
          expect(m, `${template._id} ${file.name} shows ${core}`).to.not.include(core);
        }
        if (r.includes(SIP_CORE)) sipSeen = true;
        // Whatever the file carries is in the preview too, masked in its place.
        const carried = [SIP_CORE, ADMIN_CORE, creds.password, creds.username].filter((c) => r.includes(c));
        if (carried.length) expect(m, `${template._id} ${file.name}`).to.include('********');
        if (r.includes(creds.password)) {
          provFiles += 1;
          expect(r).to.include(creds.username);
          // Same file, same lines: the masked preview is the revealed one with the secrets replaced.
          expect(m.split('\n').length).to.equal(r.split('\n').length);
        }
      }
      expect(sipSeen, `${template._id}: no file carries the SIP password`).to.equal(true);
    }
    // Cisco's templates carry the device's provisioning credentials (profile rule with them).
    expect(provFiles).to.be.greaterThan(0);
  });
});

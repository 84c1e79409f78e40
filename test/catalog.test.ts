import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { SEED_DIR } from '../server/bootstrap.js';
import { readSeedDocs } from '../server/catalog/seed.js';
import { validateCatalogDoc } from '../server/catalog/schemas.js';
import { capabilitiesOf, type TemplateDoc } from '../server/catalog/types.js';
import { newMac } from './fixtures/kazoo.js';
import { runEnv } from './harness.js';
import { startWorld, type World } from './kazoo-tenants.js';
import { http, runTs, waitFor } from './support.js';

const good = (): Record<string, any> => ({
  _id: 'ui/acme/desk/p200', pvt_type: 'provisioner', pvt_generator: 'json2plain', endpoint_brand: 'acme', endpoint_family: 'desk',
  endpoint_model: 'p200', name: 'P200', capabilities: { lines: 2, line_keys: 6 },
  files: [{ name: 'acme.cfg', scope: 'common', sections: ['cfg_base'] }, { name: '{mac}.cfg', scope: 'device', sections: ['cfg_account'] }],
  cfg_base: { 'ntp.server': { value: '{{settings.ntp_server}}' } },
  cfg_account: { 'sip.{{line.index}}.user': { value: '{{line.username}}' } },
});

const LEGACY_DIR = fileURLToPath(new URL('./fixtures/legacy/', import.meta.url));
const pointers = (doc: unknown) => validateCatalogDoc(doc).map((p) => p.pointer);

describe('catalog', function () {
  this.timeout(60000);

  describe('schema', () => {
    it('accepts a well-formed template', () => {
      expect(validateCatalogDoc(good())).to.deep.equal([]);
    });
    const cases: Array<[string, (d: Record<string, any>) => void, string]> = [
      ['a generator that is not a format name', (d) => { d.pvt_generator = 'system'; }, '/pvt_generator'],
      ['a missing brand', (d) => { delete d.endpoint_brand; }, '/endpoint_brand'],
      ['an upper-case brand key', (d) => { d.endpoint_brand = 'Acme'; d._id = 'ui/Acme/desk/p200'; }, '/endpoint_brand'],
      ['a family key with a dot', (d) => { d.endpoint_family = 'desk.x'; }, '/endpoint_family'],
      ['a purely numeric family', (d) => { d.endpoint_family = '300'; d._id = 'ui/acme/300/p200'; }, '/endpoint_family'],
      ['an id that does not follow brand/family/model', (d) => { d._id = 'ui/acme/desk/other'; }, '/_id'],
      ['a name that is not the model key', (d) => { d.name = 'Deluxe'; }, '/name'],
      ['zero lines', (d) => { d.capabilities.lines = 0; }, '/capabilities/lines'],
      ['an unknown file scope', (d) => { d.files[1].scope = 'private'; }, '/files/1/scope'],
      ['an unknown section in a file', (d) => { d.files[1].sections = ['cfg_secret']; }, '/files/1/sections/0'],
      ['a broken Handlebars value', (d) => { d.cfg_account['sip.{{line.index}}.user'].value = '{{#if line}}x'; }, '/cfg_account/sip.{{line.index}}.user/value'],
      ['a common file carrying a line value', (d) => { d.cfg_base['sip.user'] = { value: '{{line.password}}' }; }, '/cfg_base/sip.user/value'],
      ['a common file holding per-line sections', (d) => { d.files[0].sections = ['cfg_account']; }, '/files/0/sections'],
      ['an unknown format option', (d) => { d.format = { delimiter: '=', colour: 'red' }; }, '/format/colour'],
      ['an unknown option in a file\'s own format', (d) => { d.files[1].format = { xml_root: 'polycomConfig', colour: 'red' }; }, '/files/1/format/colour'],
      ['a file\'s XML root that is no element name', (d) => { d.files[1].format = { xml_root: '<evil>' }; }, '/files/1/format/xml_root'],
    ];
    for (const [what, change, pointer] of cases) {
      it(`rejects ${what} at ${pointer}`, () => {
        const doc = good();
        change(doc);
        expect(pointers(doc)).to.include(pointer);
      });
    }
    it('rejects bad vendor profiles at the field', () => {
      const p = { _id: 'profile/acme', pvt_type: 'vendor_profile', brand: 'acme', name: 'Acme' };
      expect(validateCatalogDoc(p)).to.deep.equal([]);
      expect(pointers({ ...p, key_types: { blf: '16' } })).to.include('/key_types');
      expect(pointers({ ...p, user_agent: { pattern: '(unclosed' } })).to.include('/user_agent/pattern');
      expect(pointers({ ...p, ouis: ['00:15:65'] })).to.include('/ouis/0');
      expect(pointers({ ...p, _id: 'profile/other' })).to.include('/_id');
    });
    it('accepts a document in the original project’s format', () => {
      const legacy = JSON.parse(readFileSync(join(LEGACY_DIR, 'ui%2Fmitel%2F67xx%2F6753-1.json'), 'utf8'));
      const { _rev, ...doc } = legacy;
      expect(validateCatalogDoc(doc)).to.deep.equal([]);
    });
  });

  describe('the seeded catalog', () => {
    const docs = readSeedDocs(SEED_DIR);
    const templates = docs.filter((d) => d.pvt_type === 'provisioner') as unknown as TemplateDoc[];

    it('has 60+ models of every required brand', () => {
      expect(templates.length).to.be.at.least(60);
      const brands = new Set(templates.map((t) => t.endpoint_brand));
      for (const b of ['snom', 'yealink', 'mitel', 'polycom', 'grandstream', 'cisco', 'panasonic', 'fanvil', 'htek']) expect(brands, b).to.include(b);
      expect(docs.filter((d) => d.pvt_type === 'vendor_profile')).to.have.length(brands.size);
    });
    it("follows Monster UI's naming rules", () => {
      for (const t of templates) {
        const [b, f, m] = [t.endpoint_brand, String(t.endpoint_family), String(t.endpoint_model)];
        expect(b, t._id).to.match(/^[a-z]+$/);
        expect(f, t._id).to.match(/^[a-z0-9_-]+$/).and.not.match(/^\d+$/);
        expect(m, t._id).to.match(/^[a-z0-9_-]+$/);
        // SmartPBX's picker reads keys with jQuery's data(), which turns "400" into the number 400
        // and then finds no template id for it: no key is purely numeric.
        expect(m, t._id).not.to.match(/^\d+$/);
        expect(String(t.name).toLowerCase(), t._id).to.equal(m);
      }
    });
    it('reuses 2600Hz ids where Monster UI ships a picture', () => {
      const ids = new Set(templates.map((t) => t._id));
      for (const id of ['ui/yealink/t4x/t46s', 'ui/yealink/t5x/t54w', 'ui/cisco/spa5xx/504g', 'ui/grandstream/gxp21xx/gxp2170', 'ui/htek/uc9xx/uc923']) {
        expect(ids, id).to.include(id);
      }
    });
    it('gives every model capabilities and at least one per-device file, and variants their modules', () => {
      for (const t of templates) {
        const c = capabilitiesOf(t);
        expect(c.lines, t._id).to.be.at.least(1);
        expect((t.files || []).some((f) => f.scope === 'device'), t._id).to.equal(true);
        const variant = /-(\d)$/.exec(String(t.endpoint_model));
        if (variant) {
          expect(c.expansion_modules, t._id).to.equal(Number(variant[1]));
          expect(c.expansion_keys, t._id).to.be.above(0);
          expect(t.cfg_expkey, `${t._id} renders module keys`).to.be.an('object');
        }
      }
    });
  });

  describe('Monster UI endpoints', () => {
    let w: World;
    before(async () => { w = await startWorld(); });
    after(async () => { await w.close(); });

    it('GET phones and phones/ return the tree in the Kazoo envelope, each model with id = template_id', async () => {
      for (const path of ['phones', 'phones/', 'phones?_=1732400000000']) {
        const res = await http(`${w.srv.url}/api/${path}`, { headers: { Origin: 'https://monster.example.com' } });
        expect(res.status, path).to.equal(200);
        expect(res.headers.get('access-control-allow-origin')).to.equal('*');
        expect(res.headers.get('access-control-allow-credentials')).to.equal(null);
        expect(res.json.status).to.equal('success');
        const tree = res.json.data;
        expect(tree.yealink.families.t4x.models.t46s).to.deep.equal({ id: 'yealink_t4x_t46s', name: 'T46S', template_id: 'yealink_t4x_t46s' });
        for (const [bk, brand] of Object.entries<any>(tree)) {
          expect(brand.name.toLowerCase(), bk).to.equal(bk);
          for (const [fk, fam] of Object.entries<any>(brand.families)) {
            expect(fam.name.toLowerCase(), fk).to.equal(fk);
            for (const [mk, model] of Object.entries<any>(fam.models)) {
              // A module variant reads as what it is ("T46S + 2 modules"), the others as their key.
              const variant = /^(.+) \+ (\d) modules?$/.exec(model.name);
              expect(variant ? `${variant[1]}-${variant[2]}`.toLowerCase() : model.name.toLowerCase(), mk).to.equal(mk);
              expect(model.id).to.equal(model.template_id);
            }
          }
        }
        // Variants follow their base model, in the order SmartPBX's picker shows them (the keys').
        const t4x = Object.entries<any>(tree.yealink.families.t4x.models).map(([k, m]) => [k, m.name]);
        const at = t4x.findIndex(([k]) => k === 't46s');
        expect(t4x.slice(at, at + 4)).to.deep.equal([['t46s', 'T46S'], ['t46s-1', 'T46S + 1 module'], ['t46s-2', 'T46S + 2 modules'], ['t46u', 'T46U']]);
      }
    });

    it('GET ui/{brand}/{family}/{model} gives key counts as numbers, case-insensitively', async () => {
      const res = await http(`${w.srv.url}/api/ui/Yealink/T4X/T46S?_=123`);
      expect(res.status).to.equal(200);
      const { template, settings } = res.json.data;
      expect(template.combo_keys.iterate).to.equal(27);
      expect(template.feature_keys.iterate).to.be.a('number');
      expect(template.lines.iterate).to.equal(16);
      expect(template.lines.data.sip.data.password.type).to.equal('password');
      expect(settings.capabilities.lines).to.equal(16);
      const withModules = await http(`${w.srv.url}/api/ui/yealink/t4x/t46s-2`);
      expect(withModules.json.data.template.combo_keys.iterate).to.equal(27 + 2 * 40);
      // A device saved with a model's former key (polycom/vvx/450, now vvx450) still finds its template.
      const former = await http(`${w.srv.url}/api/ui/polycom/vvx/450`);
      expect(former.status).to.equal(200);
      expect(former.json.data.settings.capabilities.lines).to.equal((await http(`${w.srv.url}/api/ui/polycom/vvx/vvx450`)).json.data.settings.capabilities.lines);
    });

    it('answers 404 in the envelope for an unknown model', async () => {
      const res = await http(`${w.srv.url}/api/ui/yealink/t4x/t99`);
      expect(res.status).to.equal(404);
      expect(res.json).to.include({ status: 'error', error: 'not_found' });
      expect(res.json.message).to.match(/yealink\/t4x\/t99/);
    });

    it('answers a browser preflight for X-Auth-Token without credentials mode', async () => {
      const res = await http(`${w.srv.url}/api/ui/yealink/t4x/t46s`, { method: 'OPTIONS', headers: {
        Origin: 'https://monster.example.com', 'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'content-type, x-auth-token, x-kazoo-cluster-id' } });
      expect(res.status).to.equal(204);
      expect(res.headers.get('access-control-allow-origin')).to.equal('*');
      expect(res.headers.get('access-control-allow-headers')!.toLowerCase()).to.include('x-auth-token').and.include('x-kazoo-cluster-id').and.include('content-type');
      expect(res.headers.get('access-control-allow-methods')).to.include('DELETE');
      expect(res.headers.get('access-control-allow-credentials')).to.equal(null);
    });
  });

  describe('management API', () => {
    let w: World;
    before(async () => { w = await startWorld(); });
    after(async () => { await w.close(); });
    const enc = encodeURIComponent;

    it('creates, reads, updates with _rev (409 when stale) and deletes a template; the tree follows', async () => {
      const doc = good();
      delete doc.files[0]; doc.files = doc.files.filter(Boolean);
      Object.assign(doc, { _id: 'ui/yealink/t4x/t99', endpoint_brand: 'yealink', endpoint_family: 't4x', endpoint_model: 't99', name: 'T99' });
      const created = await w.call('POST', 'catalog/templates', w.tokens.superadmin, { data: doc });
      expect(created.status, created.text).to.equal(201);
      expect((await w.call('GET', 'phones')).json.data.yealink.families.t4x.models.t99.name).to.equal('T99');
      const read = await w.call('GET', `catalog/templates/${enc(doc._id)}`, w.tokens.user);
      expect(read.json.data._rev).to.equal(created.json.data._rev);
      // As Monster UI sends it: with ui_metadata beside the document's fields, which must not be stored.
      const changed = { ...read.json.data, capabilities: { lines: 4, line_keys: 12 }, ui_metadata: { version: '4.3', ui: 'monster-ui' } };
      const updated = await w.call('PUT', `catalog/templates/${enc(doc._id)}`, w.tokens.resellerAdmin, { data: changed });
      expect(updated.status, updated.text).to.equal(200);
      expect((await w.call('GET', 'ui/yealink/t4x/t99')).json.data.template.combo_keys.iterate).to.equal(12);
      expect((await w.call('GET', `catalog/templates/${enc(doc._id)}`, w.tokens.user)).json.data.ui_metadata).to.equal(undefined);
      const stale = await w.call('PUT', `catalog/templates/${enc(doc._id)}`, w.tokens.superadmin, { data: changed });
      expect(stale.status).to.equal(409);
      expect(stale.json.error).to.equal('conflict');
      // An old revision, or one that is no revision at all: a 4xx that says what to do, and the template stays.
      for (const rev of [created.json.data._rev, '%00', '1-x']) {
        const refused = await w.call('DELETE', `catalog/templates/${enc(doc._id)}?rev=${rev}`, w.tokens.superadmin);
        expect([400, 409], `${rev}: ${refused.text}`).to.include(refused.status);
        expect(refused.json.message, rev).to.match(/read it again|_rev you read/);
      }
      expect((await w.call('GET', `catalog/templates/${enc(doc._id)}`, w.tokens.user)).json.data._rev).to.equal(updated.json.data._rev);
      const deleted = await w.call('DELETE', `catalog/templates/${enc(doc._id)}?rev=${updated.json.data._rev}`, w.tokens.superadmin);
      expect(deleted.status).to.equal(200);
      expect((await w.call('GET', 'phones')).json.data.yealink.families.t4x.models.t99).to.equal(undefined);
      expect((await w.call('GET', 'ui/yealink/t4x/t99')).status).to.equal(404);
    });

    it('rejects an invalid template with 400 naming the field, and writes nothing', async () => {
      const doc: Record<string, any> = { ...good(), pvt_generator: 'eval' };
      const res = await w.call('POST', 'catalog/templates', w.tokens.superadmin, { data: doc });
      expect(res.status).to.equal(400);
      expect(res.json.error).to.equal('validation_failed');
      expect(res.json.data.problems.map((p: any) => p.pointer)).to.include('/pvt_generator');
      expect(res.json.message).to.match(/^\/pvt_generator must be one of/);
      expect((await w.call('GET', `catalog/templates/${enc(doc._id)}`, w.tokens.superadmin)).status).to.equal(404);
    });

    it('lets only the top account’s admins (or the super-admin) change the shared catalog', async () => {
      const doc = { ...good(), _id: 'ui/acme/desk/p300', endpoint_model: 'p300', name: 'P300' };
      for (const token of [w.tokens.accountAdmin, w.tokens.user]) {
        expect((await w.call('POST', 'catalog/templates', token, { data: doc })).status).to.equal(403);
      }
      expect((await w.call('POST', 'catalog/templates', undefined, { data: doc })).status).to.equal(401);
      expect((await w.call('GET', 'catalog/templates', w.tokens.user)).json.data.length).to.be.at.least(60);
    });

    it('refuses a bad document written straight into CouchDB too (validate_doc_update)', async () => {
      let status = 0;
      try {
        await w.srv.app.catalogDb.insert({ ...good(), _id: 'ui/acme/desk/p400', endpoint_model: 'p400', name: 'P400', pvt_generator: 'exec' });
      } catch (err) { status = (err as { statusCode: number }).statusCode; }
      expect(status).to.equal(403);
    });
  });

  describe('import from a phone’s own config', () => {
    let w: World;
    before(async () => { w = await startWorld(); });
    after(async () => { await w.close(); });

    /** A device in Kazoo whose credentials are those in the export, so the round trip can compare. */
    async function deviceFor(model: string, brand: string, family: string, oui: string) {
      const account = await w.kazoo.account({ provision: { provision_enabled: true } });
      const mac = newMac(oui);
      const d = await w.kazoo.device(account._id, { mac, username: 'user_exported', password: 'Exp0rted=Secret:1', brand, family, model });
      return { account, mac, d };
    }

    it('plain: splits on the first delimiter only, templates the line, and renders back the same settings', async () => {
      const exported = [
        '#!version:1.0.0.1',
        'account.1.enable = 1',
        'account.1.user_name = user_exported',
        'account.1.auth_name = user_exported',
        'account.1.password = Exp0rted=Secret:1',
        'account.1.label = Front desk',
        'linekey.1.type = 15',
        'static.auto_provision.server.url = http://prov.example.com/cfg?a=b = c',
        'local_time.ntp_server1 = pool.ntp.org',
      ].join('\n') + '\n';
      const res = await w.call('POST', 'catalog/import', w.tokens.superadmin, { data: {
        format: 'plain', text: exported, brand: 'yealink', family: 't4x', model: 't46s-imported',
        line: { username: 'user_exported', password: 'Exp0rted=Secret:1', index: 1 }, save: true } });
      expect(res.status, res.text).to.equal(201);
      const t = res.json.data.template;
      expect(t.cfg_account['account.{{line.index}}.password']).to.deep.equal({ value: '{{line.password}}' });
      expect(t.cfg_account['account.{{line.index}}.label']).to.deep.equal({ value: 'Front desk' });
      expect(t.cfg_base['static.auto_provision.server.url']).to.deep.equal({ value: 'http://prov.example.com/cfg?a=b = c' });
      expect(t.cfg_base['linekey.1.type']).to.deep.equal({ value: '15' });
      expect(JSON.stringify(t)).to.not.include('Exp0rted');
      const { mac } = await deviceFor('t46s-imported', 'yealink', 't4x', '805ec0');
      const served = await waitFor(async () => { const r = await http(`${w.srv.url}/prov/yealink/${mac}.cfg`); return r.status === 200 ? r : null; }, 5000, 'config');
      const map = (text: string) => new Map(text.split('\n').filter((l) => l.includes(' = ')).map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)]));
      expect(map(served.text)).to.deep.equal(map(exported));
      expect(served.text.startsWith('#!version:1.0.0.1\n')).to.equal(true);
    });

    it('xml: keeps attributes and repeated elements, and renders back the same tree', async () => {
      const exported = `<?xml version="1.0" encoding="utf-8"?>
<settings>
  <phone-settings e="2">
    <language perm="">Deutsch</language>
    <user_name idx="1" perm="R">user_exported</user_name>
    <user_pass idx="1" perm="R">Exp0rted=Secret:1</user_pass>
    <user_realname idx="1" perm="">Front desk</user_realname>
    <user_name idx="2" perm="R">someone_else</user_name>
  </phone-settings>
  <functionKeys e="2">
    <fkey idx="0" context="active" perm="">blf &lt;sip:1001@example.com&gt;</fkey>
    <fkey idx="1" context="active" perm="">speed 5551234</fkey>
  </functionKeys>
</settings>`;
      const res = await w.call('POST', 'catalog/import', w.tokens.superadmin, { data: {
        format: 'xml', text: exported, brand: 'snom', family: 'dxxx', model: 'd785-imported',
        line: { username: 'user_exported', password: 'Exp0rted=Secret:1', index: 1 } } });
      expect(res.status, res.text).to.equal(200);
      expect(res.json.data.saved).to.equal(false);
      const t = res.json.data.template;
      expect(JSON.stringify(t)).to.not.include('Exp0rted');
      expect(t.format.xml_root).to.equal('settings');
      expect(t.cfg_account['phone-settings'].user_pass).to.deep.equal({ '@attributes': { idx: '{{line.index}}', perm: 'R' }, '@value': '{{line.password}}' });
      expect(t.cfg_base.functionKeys.fkey).to.have.length(2);
      const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, parseTagValue: false, ignoreDeclaration: true }).parse(xml);
      const canon = (v: any): any => Array.isArray(v) ? v.map(canon).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
        : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
      expect(canon(parse(res.json.data.preview))).to.deep.equal(canon(parse(exported)));
      const saved = await w.call('POST', 'catalog/import', w.tokens.superadmin, { data: { ...JSON.parse(JSON.stringify({
        format: 'xml', text: exported, brand: 'snom', family: 'dxxx', model: 'd785-imported', line: { username: 'user_exported', password: 'Exp0rted=Secret:1' } })), save: true } });
      expect(saved.status).to.equal(201);
      const { mac } = await deviceFor('d785-imported', 'snom', 'dxxx', '000413');
      const served = await waitFor(async () => { const r = await http(`${w.srv.url}/prov/snom/${mac}.xml`); return r.status === 200 ? r : null; }, 5000, 'config');
      expect(canon(parse(served.text))).to.deep.equal(canon(parse(exported)));
    });

    it('answers 400 for an export that is not what it claims to be', async () => {
      const res = await w.call('POST', 'catalog/import', w.tokens.superadmin, { data: { format: 'xml', text: '<settings><a>', brand: 'snom', family: 'dxxx', model: 'x1' } });
      expect(res.status).to.equal(400);
      expect(res.json.message).to.match(/not well-formed XML/);
      const bad = await w.call('POST', 'catalog/import', w.tokens.superadmin, { data: { format: 'plain', text: 'a=b', brand: 'Snom', family: 'dxxx', model: 'x1' } });
      expect(bad.status).to.equal(400);
      expect(bad.json.data.pointer).to.equal('/brand');
    });
  });

  describe('command line', () => {
    it('imports the original project’s documents, and exports the catalog to files', async () => {
      const prefix = `${runEnv().runPrefix}cli_`;
      const env = { COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: prefix, KAZOO_DB_PREFIX: prefix };
      expect((await runTs('setup.ts', [], env)).code).to.equal(0);
      const legacyDir = mkdtempSync(join(tmpdir(), 'kp-legacy-'));
      for (const f of readdirSync(LEGACY_DIR)) writeFileSync(join(legacyDir, f), readFileSync(join(LEGACY_DIR, f)));
      const imported = await runTs('server/catalog/cli.ts', ['import-legacy', legacyDir, '--apply'], env);
      expect(imported.code, imported.stderr).to.equal(0);
      expect(imported.stdout).to.match(/1 to create, 0 to replace, 0 unchanged, 0 skipped/);
      expect(imported.stdout).to.match(/imported 1 templates/);
      const out = mkdtempSync(join(tmpdir(), 'kp-export-'));
      const exported = await runTs('server/catalog/cli.ts', ['export', out], env);
      expect(exported.code, exported.stderr).to.equal(0);
      const legacy = JSON.parse(readFileSync(join(out, 'mitel', '67xx', '6753-1.json'), 'utf8'));
      expect(legacy.cfg_account['sip line{ACCOUNT} user name']).to.deep.equal({ value: ' {SIPUSERNAME}' });
      expect(legacy._rev).to.equal(undefined);
      expect(readdirSync(join(out, 'yealink'))).to.include('profile.json');
      const validated = await runTs('server/catalog/cli.ts', ['validate', out], env);
      expect(validated.code, validated.stderr).to.equal(0);
      mkdirSync(join(out, 'bad'));
      writeFileSync(join(out, 'bad', 'x.json'), JSON.stringify({ ...good(), _id: 'ui/bad/x/y' }));
      const invalid = await runTs('server/catalog/cli.ts', ['validate', out], env);
      expect(invalid.code).to.equal(1);
      expect(invalid.stderr).to.match(/bad\/x\.json: \/_id must be "ui\/acme\/desk\/p200"/);
    });
  });
});

// A model renamed in the seed (the purely numeric keys SmartPBX's picker cannot keep, e.g. Polycom
// `400` → `vvx400`): devices saved with the old key keep their template through `model_aliases`, and
// setup removes only the old documents it wrote itself and nobody changed since.
import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrap } from '../server/bootstrap.js';
import { CatalogCache } from '../server/catalog/cache.js';
import { createContext } from '../server/context.js';
import { runEnv, testConfig, testLog } from './harness.js';

const PROFILE = fileURLToPath(new URL('./fixtures/seed/acme/profile.json', import.meta.url));

const template = (model: string, extra: Record<string, unknown> = {}) => ({
  _id: `ui/acme/phones/${model}`, pvt_type: 'provisioner', pvt_generator: 'json2plain',
  endpoint_brand: 'acme', endpoint_family: 'phones', endpoint_model: model, name: model.toUpperCase(),
  capabilities: { lines: 2 }, files: [{ name: '{mac}.cfg', scope: 'device', sections: ['cfg_account'] }],
  cfg_account: { 'account.{{line.index}}.user': { value: '{{line.username}}' } }, ...extra,
});

function seedDir(root: string, name: string, docs: Array<Record<string, unknown>>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'acme', 'phones'), { recursive: true });
  cpSync(PROFILE, join(dir, 'acme', 'profile.json'));
  for (const d of docs) writeFileSync(join(dir, 'acme', 'phones', `${d.endpoint_model}.json`), JSON.stringify(d));
  return dir;
}

describe('catalog: renamed models', function () {
  this.timeout(60000);
  let root: string;
  before(() => { root = mkdtempSync(join(tmpdir(), 'seed-rename-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('setup replaces the old documents it wrote, keeps the ones an operator changed, and old keys find a template', async () => {
    const app = createContext(testConfig(), runEnv().couchUrl, runEnv().couchUrl, testLog);
    await bootstrap(app, { seedDir: seedDir(root, 'before', [template('400'), template('500')]) });
    // An operator edited the 500 after that setup.
    const edited = await app.catalogDb.get('ui/acme/phones/500');
    await app.catalogDb.insert({ ...edited, cfg_base: { 'operator.setting': { value: 'mine' } } });

    const after = await bootstrap(app, { seedDir: seedDir(root, 'after', [
      template('p400', { model_aliases: ['400'] }), template('p500', { model_aliases: ['500'] })]) });
    expect(after.catalog.retired).to.deep.equal(['ui/acme/phones/400']);
    expect(after.catalog.kept).to.deep.equal(['ui/acme/phones/500']);
    expect(after.catalog.created).to.have.members(['ui/acme/phones/p400', 'ui/acme/phones/p500']);
    expect(await app.catalogDb.get('ui/acme/phones/400').catch((e) => e.statusCode)).to.equal(404);
    expect((await app.catalogDb.get('ui/acme/phones/500') as any).cfg_base).to.deep.equal({ 'operator.setting': { value: 'mine' } });
    const tree = (await app.catalogDb.get('phonetree') as any).data;
    expect(Object.keys(tree.acme.families.phones.models)).to.have.members(['500', 'p400', 'p500']);

    // A second run changes nothing more.
    const again = await bootstrap(app, { seedDir: join(root, 'after') });
    expect(again.catalog.retired).to.deep.equal([]);
    expect(again.catalog.kept).to.deep.equal(['ui/acme/phones/500']);

    const cache = new CatalogCache(app);
    await cache.start();
    try {
      expect(cache.template('acme', 'phones', '400')?._id, 'old key → renamed template').to.equal('ui/acme/phones/p400');
      expect(cache.template('acme', 'phones', 400)?._id, 'as a number, as Monster sent it').to.equal('ui/acme/phones/p400');
      expect(cache.template('acme', 'phones', '500')?._id, "the operator's document wins for its key").to.equal('ui/acme/phones/500');
      expect(cache.template('acme', 'phones', 'p500')?._id).to.equal('ui/acme/phones/p500');
      expect(cache.template('acme', 'phones', '600')).to.equal(undefined);
    } finally {
      await cache.stop();
    }
  });
});

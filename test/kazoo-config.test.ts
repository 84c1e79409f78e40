import { expect } from 'chai';
import { checkProvisionerUrl } from '../server/kazoo/system-config.js';
import { couch, freshPrefix, runEnv } from './harness.js';
import { runTs } from './support.js';

const URL = 'https://prov.example.com/api/';

describe('setup --kazoo-config', function () {
  this.timeout(60000);
  let prefix: string;
  const env = () => ({ COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: prefix, KAZOO_DB_PREFIX: prefix });
  const sysdb = () => couch().use<any>(`${prefix}system_config`);

  beforeEach(async () => {
    prefix = freshPrefix();
    await couch().db.create(`${prefix}system_config`);
    await sysdb().bulk({ docs: [
      { _id: 'provisioner', default: { provisioning_type: 'super_awesome_provisioner', provisioning_url: 'http://p.2600hz.com/',
        feature_keys: { yealink: { _: { presence: '16' } } } }, 'kazoo_apps@node1.example.com': { provisioning_url: 'http://node-specific/' } },
      { _id: 'crossbar.devices', default: { allow_aggregates: true, allow_not_unique_mac_address: false, provisioning_referer: 'x' } },
    ] });
  });

  it('prints the difference and writes nothing with --dry-run', async () => {
    const before = await sysdb().list();
    const res = await runTs('setup.ts', ['--kazoo-config', '--provisioner-url', URL, '--dry-run'], env());
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.include(`system_config/provisioner default.provisioning_type: "super_awesome_provisioner" -> "provisioner_v5"`);
    expect(res.stdout).to.include(`system_config/crossbar.devices default.provisioning_url: (unset) -> "${URL}"`);
    expect(res.stdout).to.include('dry run: nothing written');
    expect((await sysdb().list()).rows).to.deep.equal(before.rows);
    // Not even our own databases are created by a dry run.
    expect(await couch().db.list()).not.to.include(`${prefix}provision_state`);
  });

  it('merges the two keys into both documents, keeps every other key, and a second run changes nothing', async () => {
    const res = await runTs('setup.ts', ['--kazoo-config', `--provisioner-url=${URL}`], env());
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.include('sup kapps_config flush');
    const prov = await sysdb().get('provisioner');
    expect(prov.default).to.deep.equal({ provisioning_type: 'provisioner_v5', provisioning_url: URL,
      feature_keys: { yealink: { _: { presence: '16' } } } });
    expect(prov['kazoo_apps@node1.example.com']).to.deep.equal({ provisioning_url: 'http://node-specific/' });
    const devices = await sysdb().get('crossbar.devices');
    expect(devices.default).to.deep.equal({ allow_aggregates: true, allow_not_unique_mac_address: false,
      provisioning_referer: 'x', provisioning_type: 'provisioner_v5', provisioning_url: URL });

    const again = await runTs('setup.ts', ['--kazoo-config', '--provisioner-url', URL], env());
    expect(again.code).to.equal(0);
    expect(again.stdout).to.include('nothing to change');
    expect((await sysdb().get('provisioner'))._rev).to.equal(prov._rev);
    expect((await sysdb().get('crossbar.devices'))._rev).to.equal(devices._rev);
  });

  it('creates a missing crossbar.devices doc with just those keys', async () => {
    const d = await sysdb().get('crossbar.devices');
    await sysdb().destroy(d._id, d._rev);
    const res = await runTs('setup.ts', ['--kazoo-config', '--provisioner-url', URL], env());
    expect(res.code, res.stderr).to.equal(0);
    const { _rev, ...doc } = await sysdb().get('crossbar.devices');
    expect(doc).to.deep.equal({ _id: 'crossbar.devices', default: { provisioning_type: 'provisioner_v5', provisioning_url: URL } });
  });

  it('refuses a bad URL with exit code 2 and says why', async () => {
    for (const [url, why] of [['https://prov.example.com/api', 'must end with "/"'], ['ftp://prov.example.com/api/', 'http:// or https://'],
      ['prov.example.com/api/', 'not a URL']]) {
      expect(() => checkProvisionerUrl(url)).to.throw(why);
    }
    const res = await runTs('setup.ts', ['--kazoo-config', '--provisioner-url', 'https://prov.example.com/api'], env());
    expect(res.code).to.equal(2);
    expect(res.stderr).to.include('must end with "/"');
    const missing = await runTs('setup.ts', ['--kazoo-config'], env());
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('needs --provisioner-url');
  });

  it("says so when Kazoo's system_config is not where we look", async () => {
    const res = await runTs('setup.ts', ['--kazoo-config', '--provisioner-url', URL], { ...env(), KAZOO_DB_PREFIX: `${prefix}nope_` });
    expect(res.code).to.equal(1);
    expect(res.stderr).to.match(/system_config database is not on .*KAZOO_COUCHDB_URL/);
  });
});

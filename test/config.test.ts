import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config.js';
import { runTs } from './support.js';

describe('configuration', () => {
  it('has documented defaults when nothing is set', () => {
    const c = loadConfig({}, []);
    expect(c).to.include({ port: 8080, host: '0.0.0.0', dataDir: './data', couchdbUrl: null, dbPrefix: '', logLevel: 'info',
      catalogDb: 'brand_provisioner', publicUrl: 'http://localhost:8080' });
  });

  it('reads a JSON file given by --config and lets the environment override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 9000, dbPrefix: 'prod_', publicUrl: 'https://prov.example.com/' }));
    const c = loadConfig({ PORT: '9100' }, ['--config', file]);
    expect(c.port).to.equal(9100);
    expect(c.dbPrefix).to.equal('prod_');
    expect(c.publicUrl).to.equal('https://prov.example.com');
    expect(loadConfig({ PROVISION_CONFIG: file }, []).port).to.equal(9000);
  });

  it('names the key and the problem for a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, [])).to.throw(ConfigError, /^PORT must be an integer from 1 to 65535; got "eighty"$/);
    expect(() => loadConfig({ COUCHDB_URL: 'ftp://x' }, [])).to.throw(ConfigError, /^COUCHDB_URL must be/);
    expect(() => loadConfig({ PROVISION_ADMIN_TOKEN: 'short' }, [])).to.throw(ConfigError, /PROVISION_ADMIN_TOKEN must be at least 32 characters; got \(value hidden\)/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, [])).to.throw(ConfigError, /LOG_LEVEL must be one of fatal, error/);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.1,not an ip' }, [])).to.throw(ConfigError, /TRUSTED_PROXIES/);
  });

  it('rejects an unknown key or broken JSON in the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({}, ['--config', file])).to.throw(ConfigError, /unknown key "prot"/);
    writeFileSync(file, '{ port: ');
    expect(() => loadConfig({}, ['--config', file])).to.throw(ConfigError, /not valid JSON/);
  });

  it('stops `npm start` with exit code 2 and one clear line', async () => {
    const res = await runTs('server/main.ts', [], { PORT: '70000', DATA_DIR: mkdtempSync(join(tmpdir(), 'kp-')) });
    expect(res.code).to.equal(2);
    expect(res.stderr.trim()).to.equal('configuration error: PORT must be an integer from 1 to 65535; got "70000"');
  });

  it('stops `npm run setup` the same way', async () => {
    const res = await runTs('setup.ts', [], { LOG_LEVEL: 'verbose' });
    expect(res.code).to.equal(2);
    expect(res.stderr).to.match(/^configuration error: LOG_LEVEL must be one of/);
  });
});

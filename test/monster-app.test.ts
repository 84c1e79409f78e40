// The Monster app as files: ES5 only (Monster's build minifies with uglify-js 2), Monster's layout
// and metadata, i18n complete in both languages, and served safely by our server at /monster-app/.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'acorn';
import type { RunningServer } from '../server/server.js';
import { MONSTER_APP_DIR, resolveAppFile } from '../server/api/monster-app-routes.js';
import { startTestServer } from './harness.js';
import { http } from './support.js';

const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
  const p = join(dir, name);
  return statSync(p).isDirectory() ? files(p) : [p];
});
const appFiles = files(MONSTER_APP_DIR).map((f) => relative(MONSTER_APP_DIR, f));
const readJson = (rel: string) => JSON.parse(readFileSync(join(MONSTER_APP_DIR, rel), 'utf8'));
const keysOf = (o: Record<string, unknown>, prefix = ''): string[] => Object.entries(o).flatMap(([k, v]) =>
  v && typeof v === 'object' ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]);

describe('Monster app files', () => {
  it('parses every .js file as ES5', () => {
    const js = appFiles.filter((f) => f.endsWith('.js'));
    expect(js).to.include.members(['app.js', 'submodules/devices/devices.js', 'submodules/mobile/mobile.js',
      'submodules/templates/templates.js', 'submodules/settings/settings.js']);
    for (const f of js) {
      expect(() => parse(readFileSync(join(MONSTER_APP_DIR, f), 'utf8'), { ecmaVersion: 5, sourceType: 'script' }), f).not.to.throw();
    }
    // The check bites: ES2015 is refused.
    expect(() => parse('var f = () => 1;', { ecmaVersion: 5 })).to.throw();
  });

  it('has Monster\'s layout, load/initApp boilerplate and a name Monster\'s router accepts', () => {
    const app = readFileSync(join(MONSTER_APP_DIR, 'app.js'), 'utf8');
    expect(app).to.match(/^define\(function\(require\)/m);
    expect(app).to.match(/load: function\(callback\)/).and.match(/initApp: function\(callback\)/).and.match(/'auth\.initApp'/);
    expect(app).to.contain("apiRoot: provisionerRoot").and.contain('monster.config.api.provisioner');
    expect(app).to.match(/name: 'phoneprov'/);
    expect('phoneprov').to.match(/^[a-z]+(-[a-z]+)*$/);
    for (const sub of ['devices', 'mobile', 'templates', 'settings']) {
      expect(appFiles.some((f) => f.startsWith(`submodules/${sub}/views/`) && f.endsWith('.html')), sub).to.equal(true);
    }
    expect(appFiles).to.include.members(['style/app.css', 'i18n/en-US.json', 'i18n/de-DE.json', 'metadata/app.json', 'views/unavailable.html']);
  });

  it('has every field Kazoo\'s app schema requires in metadata/app.json, with its icon and screenshots', () => {
    const meta = readJson('metadata/app.json');
    for (const k of ['api_url', 'author', 'i18n', 'icon', 'license', 'name', 'price', 'version']) expect(meta, k).to.have.property(k);
    expect(meta.name).to.equal('phoneprov');
    expect(meta.i18n['en-US']).to.include.keys('label', 'description');
    expect(appFiles).to.include(`metadata/icon/${meta.icon}`);
    for (const s of meta.screenshots) expect(appFiles).to.include(`metadata/screenshots/${s}`);
  });

  it('has every i18n key the views and code use, in both languages', () => {
    const en = new Set(keysOf(readJson('i18n/en-US.json')));
    const de = new Set(keysOf(readJson('i18n/de-DE.json')));
    expect([...en].filter((k) => !de.has(k)), 'missing in de-DE').to.deep.equal([]);
    expect([...de].filter((k) => !en.has(k)), 'only in de-DE').to.deep.equal([]);
    const used = new Set<string>();
    for (const f of appFiles.filter((x) => /\.(html|js)$/.test(x))) {
      const text = readFileSync(join(MONSTER_APP_DIR, f), 'utf8');
      for (const m of text.matchAll(/(?:i18n|active\(\))\.(phoneprov(?:\.[A-Za-z0-9_]+)+)/g)) used.add(m[1]);
    }
    const missing = [...used].filter((k) => !en.has(k) && ![...en].some((e) => e.startsWith(k + '.')));
    expect(missing).to.deep.equal([]);
  });
});

describe('Monster app served at /monster-app/', () => {
  let srv: RunningServer;
  before(async () => { srv = await startTestServer(); });
  after(async () => { await srv?.close(); });

  it('serves the app\'s files with their content types and CORS for views and i18n', async () => {
    const cases: Array<[string, RegExp]> = [['app.js', /^application\/javascript/], ['views/unavailable.html', /^text\/html/],
      ['submodules/devices/views/layout.html', /^text\/html/], ['i18n/de-DE.json', /^application\/json/],
      ['style/app.css', /^text\/css/], ['metadata/icon/phoneprov.png', /^image\/png/]];
    for (const [path, type] of cases) {
      const res = await http(`${srv.url}/monster-app/${path}`, { headers: { origin: 'https://monster.example.com' } });
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type'), path).to.match(type);
      expect(res.headers.get('access-control-allow-origin'), path).to.equal('*');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    }
    const pre = await http(`${srv.url}/monster-app/i18n/en-US.json`, { method: 'OPTIONS',
      headers: { origin: 'https://monster.example.com', 'access-control-request-method': 'GET' } });
    expect(pre.status).to.equal(204);
  });

  it('answers 304 to a revalidation', async () => {
    const first = await http(`${srv.url}/monster-app/app.js`);
    // fetch() adds "Cache-Control: no-cache" to conditional requests unless one is given.
    const again = await http(`${srv.url}/monster-app/app.js`, { headers: { 'if-none-match': first.headers.get('etag')!, 'cache-control': 'max-age=0' } });
    expect(again.status).to.equal(304);
  });

  it('serves nothing outside the app folder, no dotfiles, no unknown types, no folders', async () => {
    for (const path of ['../package.json', '..%2fpackage.json', '%2e%2e/%2e%2e/package.json', 'submodules/..%2f..%2f..%2fREADME.md',
      '..%5cpackage.json', '.hidden.js', 'i18n/', 'submodules', 'app.js%00.png', 'nothing.js', '%E0%A4%A']) {
      const res = await http(`${srv.url}/monster-app/${path}`);
      expect(res.status, path).to.equal(404);
    }
    // Raw request paths a browser would normalise away.
    expect(resolveAppFile(MONSTER_APP_DIR, '../server/app.ts')).to.equal(null);
    expect(resolveAppFile(MONSTER_APP_DIR, '/etc/passwd')).to.equal(null);
    expect(resolveAppFile(MONSTER_APP_DIR, 'a/../../config.ts')).to.equal(null);
    expect(resolveAppFile(MONSTER_APP_DIR, 'app.js')).to.equal(join(MONSTER_APP_DIR, 'app.js'));
  });
});

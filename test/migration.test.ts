// Issue 15: moving from the original PHP kazoo-provision without touching a phone. The documents in
// fixtures/legacy-set/ are written from the original's documented format (reference/
// kazoo-provision-seed.md §5, §8: brand tree, ui/<brand>/<family>/<model>, usr_keys, every
// {PLACEHOLDER}); expected values come from that document and the vendors' guides cited in the
// profiles, not from running our renderer.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import type { RunningServer } from '../server/server.js';
import { contentHash } from '../server/catalog/seed.js';
import { filesOf, fileNameFor } from '../server/phones/files.js';
import { LEGACY_PLACEHOLDERS, LEGACY_UNSERVED } from '../server/render/legacy-placeholders.js';
import { logLines, runEnv, startTestServer } from './harness.js';
import { KazooFixture, newId, newMac } from './fixtures/kazoo.js';
import { http, runTs, waitFor } from './support.js';
import { challengesOf, digestAuth, phoneGet } from './security-client.js';
import { secret } from './fixtures/secrets.js';

const SET = fileURLToPath(new URL('./fixtures/legacy-set/', import.meta.url));
const PASS = 'url-pass-for-migration-5e4d';
const PUBLIC = 'http://prov.example.net/provisioner';
const docs = readdirSync(SET).map((f) => JSON.parse(readFileSync(SET + f, 'utf8')) as Record<string, any>);
const legacyDoc = (id: string) => docs.find((d) => d._id === id)!;

// Every token of the original (reference §8), both those its generators filled and those it never did.
const ORIGINAL_TOKENS = ['ACCOUNT', 'ACCOUNT_2', 'SIPAUTHNAME', 'SIPSECRET', 'SIPUSERNAME', 'SIPCALLERID', 'INTERNAL', 'PRESENCE_ID',
  'NAME', 'MAC', 'STATUS', 'PROXY_SERVER', 'REGISTRAR_SERVER', 'PROXY_PORT', 'WEB_SERVER', 'PROV_SERVER', 'PROV_SERVER_URL',
  'SETTING_SERVER', 'NTP_SERVER', 'HOST_TIMESERVER', 'HOST_PROVSERVER', 'BAK_PROXY_SERVER', 'BAK_REGISTRAR_SERVER',
  'PROV_SERVER_URL_CERTIFICATE', 'ADVERTISEMENT_URL', 'ADVERTISEMNT_URL', 'PROVPASS', 'PROV_PHONE_USER', 'PROV_PHONE_PASS',
  'PROV_PASSWORD', 'ACCESSPROVPASS', 'LANGUAGE_IDX', 'LANG_PREFIX', 'INPUT_LANG', 'LANGUAGE_URL', 'TIMEZONE', 'TIMEZONE_IDX',
  'TIMEZONE_ID', 'TIMEZONE_PREFIX', 'TIMEZONE_NR', 'TIMEZONE_NAME', 'TONES_IDX', 'TONEZONE', 'DIALTONE_SETTING', 'COUNTRYID_M3',
  'EMERGENCY_NUMS', 'PHONE_REREGISTER', 'SUBSCRIPT_REREGISTER', 'SETTINGS_REFRESH_TIMER', 'SETTINGS_REFRSH_TIMER',
  'Phone_Reregister_Prov', 'VMSD', 'LOGOUT', 'FORWARD', 'DND', 'VOICEMAIL', 'PHONEBOOK', 'ATD_XFER', 'ATD_XFERCODE', 'XFER',
  'XFERCODE', 'CONFERENCE_LABEL', 'NEW_LOGIN', 'PS_ACTION', 'DND_ACTION', 'SRTP', 'TX', 'RX',
  'LOGOUT_SCRIPT', 'DND_SCRIPT', 'CFWD_SCRIPT', 'PB_SCRIPT', 'MENU_ACTION', 'DIRECTORY_ACTION', 'DND_ON_ACTION', 'DND_OFF_ACTION',
  ...['GUI', 'WEB'].flatMap((k) => ['DE', 'EN', 'FR', 'IT', 'DA'].map((l) => `PROV_SERVER_URL_${k}LANG_${l}_XML`)),
  'SERVER', 'USERID', 'PASSWORD', 'STATION_NAME', 'LINES', 'SPEEDDIALS', 'VOICEMAIL_NUMBER', 'PROVPASSWORD', 'MODEL', 'SUBSCIPT_REREGISTER'];

describe('moving from the original PHP kazoo-provision', function () {
  this.timeout(180000);
  let srv: RunningServer;
  let k: KazooFixture;
  let env: Record<string, string>;
  let dryRun: string;
  let applied: string;

  before(async () => {
    srv = await startTestServer({ indexIntervalMs: 200, publicUrl: PUBLIC } as never);
    k = new KazooFixture(srv.app.config.kazooDbPrefix);
    env = { COUCHDB_URL: runEnv().couchUrl, DB_PREFIX: srv.app.config.dbPrefix, KAZOO_DB_PREFIX: srv.app.config.kazooDbPrefix };
  });
  after(async () => { await srv.close(); });

  const catalogDoc = async (id: string) => { try { return await srv.app.catalogDb.get(id) as Record<string, any>; } catch { return null; } };

  it('the fixtures use every placeholder of the original, and each has a meaning or a reason to leave its setting out', () => {
    const used = new Set(docs.flatMap((d) => [...JSON.stringify(d).matchAll(/\{([A-Z][A-Za-z0-9_]*)\}/g)].map((m) => m[1])));
    for (const t of ORIGINAL_TOKENS) {
      expect(used.has(t), `fixtures use {${t}}`).to.equal(true);
      expect(!!LEGACY_PLACEHOLDERS[t] !== !!LEGACY_UNSERVED[t], `{${t}} has exactly one of a meaning or a reason`).to.equal(true);
    }
    expect(new Set(docs.map((d) => d._id.split('/')[1]))).to.deep.equal(new Set(['snom', 'mitel', 'yealink', 'cisco', 'panasonic']));
  });

  it('a dry run lists what it would create, replace and skip, with reasons, and writes nothing', async () => {
    const seeded = await catalogDoc('ui/mitel/68xx/6867i');
    const res = await runTs('server/catalog/cli.ts', ['import-legacy', SET], env);
    expect(res.code, res.stderr).to.equal(0);
    dryRun = res.stdout;
    expect(dryRun).to.match(/dry run, nothing is written/);
    expect(dryRun).to.match(/^replace +ui\/mitel\/68xx\/6867i: replaces our seeded template \(with its files, capabilities, format, key sections\)$/m);
    expect(dryRun).to.include('what to do: undo with: npm run catalog -- revert ui/mitel/68xx/6867i');
    expect(dryRun).to.match(/^skip +ui\/yealink\/t4x\/t48p: a stub/m);
    expect(dryRun).to.match(/^skip +ui\/yealink\/tx\/t46g: a copy of ui\/yealink\/t4x\/t46g without pvt_type$/m);
    expect(dryRun).to.match(/^skip +ui\/cisco\/spa3xx\/303g: plain settings, but cisco phones read XML files/m);
    expect(dryRun).to.include("what to do: our seeded template ui/cisco/spa3xx/spa303 serves this model: set the devices' model to spa3xx/spa303");
    expect(dryRun).to.match(/^skip +ui\/cisco\/spa3xx\/501g: its XML root <device> is not what these phones read/m);
    expect(dryRun).to.match(/^create +ui\/panasonic\/kx\/tgp500$/m);
    expect(dryRun).to.match(/7 to create, 1 to replace, 0 unchanged, 4 skipped/);
    // Each setting left out is named with its reason.
    for (const key of ['prgkey1 value', 'prgkey2 value', 'prgkey3 value', 'prgkey4 value']) {
      expect(dryRun).to.match(new RegExp(`left out cfg_behavior "${key}" and the rest of key prgkey\\d \\("prgkey\\d type", "prgkey\\d label"\\): \\{[A-Z]+_SCRIPT\\} pointed at the original's FreePBX`));
    }
    expect(dryRun).to.include('left out cfg_base/phone-settings/advertisement_url: {ADVERTISEMENT_URL} was never given a value by the original');
    expect(dryRun.match(/left out cfg_base\/(gui|web)-languages\/language: \{PROV_SERVER_URL_(GUI|WEB)LANG_[A-Z]{2}_XML\} named a snom language file/g)).to.have.length(10);
    expect(await catalogDoc('ui/snom/3xx/320')).to.equal(null);
    expect((await catalogDoc('ui/mitel/68xx/6867i'))!._rev).to.equal(seeded!._rev);
  });

  it('--apply writes them, keeping the replaced seed document as the previous revision', async () => {
    const seeded = await catalogDoc('ui/mitel/68xx/6867i');
    const res = await runTs('server/catalog/cli.ts', ['import-legacy', SET, '--apply'], env);
    expect(res.code, res.stderr).to.equal(0);
    applied = res.stdout;
    expect(applied).to.match(/imported 8 templates/);
    const replaced = await catalogDoc('ui/mitel/68xx/6867i');
    expect(replaced!.pvt_replaced_rev).to.equal(seeded!._rev);
    expect(replaced!.cfg_linekey).to.have.property('topsoftkey{{add key.index0 1}} type');
    const again = await runTs('server/catalog/cli.ts', ['import-legacy', SET], env);
    expect(again.stdout).to.match(/0 to create, 0 to replace, 8 unchanged, 4 skipped/);
  });

  // What each phone fetches, as the original's URLs name it (snom under the original's install path).
  const urlOf = (id: string, mac: string) => {
    const t = srv.services.catalog.templateById(id)!;
    const profile = srv.services.catalog.profile(t.endpoint_brand)!;
    if (t.endpoint_brand === 'snom') return `/provisioner/prov/snom/settings.php?mac=${mac}&pass=${PASS}`;
    const file = filesOf(t, profile).find((f) => f.scope === 'device')!;
    return `/prov/${t.endpoint_brand}/${fileNameFor(file, mac, profile)}?pass=${PASS}`;
  };
  const OUI: Record<string, string> = { snom: '000413', mitel: '00085d', yealink: '001565', panasonic: '0080f0' };

  async function twoLinePhone(id: string) {
    const [, brand, family, model] = id.split('/');
    const account = await k.account({ language: 'de-de', timezone: 'Europe/Berlin',
      provision: { provision_enabled: true, urlpass: PASS, admin_password: 'phone-admin-pw-4242' } });
    const owner = await k.user(account._id, { first: 'Jürgen', last: 'Müller', presenceId: '2001' });
    const target = await k.user(account._id, { first: 'Kim', last: 'Target', presenceId: '4711' });
    const mac = newMac(OUI[brand]);
    const keys = { 0: { type: 'presence', value: target._id }, 1: { type: 'speed_dial', value: '5559876' } };
    // Lines follow the devices' ids (same creation stamp in these fixtures): first line first.
    const first = await k.device(account._id, { id: `0${newId().slice(1)}`, mac, ownerId: owner._id, brand, family, model, featureKeys: keys });
    await k.update(account._id, first._id, (d) => { d.media = { ...d.media, audio: { ...(d.media?.audio || {}), tx_volume: -8 } }; });
    const second = await k.device(account._id, { id: `f${newId().slice(1)}`, mac, brand, family, model });
    const res = await waitFor(async () => {
      const r = await http(`${srv.url}${urlOf(id, mac)}`);
      return r.status === 200 && r.text.includes(second.sip.password) ? r : null;
    }, 20000, `both lines of ${id}`);
    return { res, first, second, account, mac };
  }

  const problemsOf = (id: string) => logLines.filter((l) => l.includes(`"template":"${id}"`)).map((l) => JSON.parse(l).problem as string);
  const plainEntries = (text: string, delimiter: string) => new Map(text.split(/\r?\n/).filter((l) => l.includes(delimiter))
    .map((l) => [l.slice(0, l.indexOf(delimiter)), l.slice(l.indexOf(delimiter) + delimiter.length)] as [string, string]));

  /** Every setting of the original's document reached the file, or the import said why not. */
  function nothingDroppedSilently(id: string, present: (key: string) => boolean) {
    const doc = legacyDoc(id);
    for (const section of ['cfg_account', 'cfg_base', 'cfg_behavior', 'cfg_tone']) {
      for (const key of Object.keys(doc[section] || {})) {
        const name = key.replace('{ACCOUNT}', '1').trim();
        if (present(name)) continue;
        expect(applied, `${id} ${section} "${key}" is in the file or left out with a reason`).to.match(
          new RegExp(`left out ${section}[^\\n]*"${key.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^\\n]*: \\{[A-Za-z_]+\\} `));
      }
    }
  }

  /** A key with a type that needs a target has one: no dead key. */
  function noDeadKeys(entries: Map<string, string>, typeRe: RegExp, valueOf: (group: string) => string | undefined) {
    for (const [k2, v] of entries) {
      const m = typeRe.exec(k2);
      if (!m) continue;
      const type = v.trim();
      if (['line', '15', 'empty', 'none', '0'].includes(type)) continue;
      expect((valueOf(m[1]) || '').trim(), `${k2}: ${type} has a value`).to.not.equal('');
    }
  }

  it('Mitel 6753i with a module: Kazoo\'s BLF and speed dial on the programmable keys, no dead script keys, language as pack index', async () => {
    const id = 'ui/mitel/67xx/6753-1';
    const { res, first, second, mac } = await twoLinePhone(id);
    const e = plainEntries(res.text, ': ');
    // Aastra 6700i admin guide, Appendix A: prgkeyN type blf / speeddial, value the extension or number.
    expect(e.get('prgkey1 type')).to.equal('blf');
    expect(e.get('prgkey1 value')).to.equal('4711');
    expect(e.get('prgkey2 type')).to.equal('speeddial');
    expect(e.get('prgkey2 value')).to.equal('5559876');
    expect([...e.values()]).to.not.include('xml');
    noDeadKeys(e, /^(prgkey\d+|expmod\d key\d+|softkey\d+|topsoftkey\d+) type$/, (g) => e.get(`${g} value`));
    expect(e.get('sip line1 auth name')).to.equal(first.sip.username);
    expect(e.get('sip line2 password')).to.equal(second.sip.password);
    expect(e.get('sip line1 display name')).to.equal('Jürgen Müller');
    // {LANGUAGE_IDX}: an index, never a file name. This server serves no Mitel language packs (issue 14,
    // row 7: Aastra guide, "Language Settings"), so the index is 0, the built-in English, not the
    // original's 1 for a lang_de.txt it had downloaded.
    expect(e.get('language')).to.equal('0');
    expect(e.get('language 1')).to.equal('lang_de.txt');
    expect(e.get('time zone name')).to.equal('DE-Berlin');
    expect(e.get('http digest username')).to.match(/\S/);
    expect(res.text).to.not.match(/\{[A-Z][A-Za-z0-9_]*\}/);
    // One aastra.cfg serves every Mitel model; the document's own cfg_base follows in the MAC file.
    expect((await http(`${srv.url}/prov/mitel/aastra.cfg`)).status).to.equal(200);
    expect(e.get('http server')).to.equal('prov.example.net'); // Aastra's "http server" takes a host
    nothingDroppedSilently(id, (name) => e.has(name));
    expect(problemsOf(id)).to.deep.equal([]);
    expect(mac).to.match(/^00085d/);
  });

  it('Mitel 6867i replacing the seeded template: keys on its top softkeys as usr_keys names them', async () => {
    const id = 'ui/mitel/68xx/6867i';
    const { res } = await twoLinePhone(id);
    const e = plainEntries(res.text, ': ');
    expect(e.get('topsoftkey1 type')).to.equal('blf');
    expect(e.get('topsoftkey1 value')).to.equal('4711');
    expect(e.get('topsoftkey1 label')).to.equal('Kim Target');
    expect(e.get('topsoftkey2 type')).to.equal('speeddial');
    expect(e.get('topsoftkey2 value')).to.equal('5559876');
    nothingDroppedSilently(id, (name) => e.has(name));
    expect(problemsOf(id)).to.deep.equal([]);
  });

  it('Yealink T46G: the complete provisioning URL, Yealink\'s volume scale, line keys from usr_keys', async () => {
    const id = 'ui/yealink/t4x/t46g';
    const { res, second } = await twoLinePhone(id);
    const e = plainEntries(res.text, ' = ');
    expect(res.text.startsWith('#!version:1.0.0.1\n')).to.equal(true);
    expect(e.get('auto_provision.server.url')).to.equal(`${PUBLIC}/prov/yealink/`);
    expect(e.get('auto_provision.server.username')).to.match(/\S/);
    expect(e.get('wui.http_url')).to.equal(PUBLIC);
    // Yealink DSS key types: 16 BLF, 13 speed dial (Yealink admin guide; reference §10.4).
    expect(e.get('linekey.1.type')).to.equal('16');
    expect(e.get('linekey.1.value')).to.equal('4711');
    expect(e.get('linekey.2.type')).to.equal('13');
    expect(e.get('linekey.2.value')).to.equal('5559876');
    noDeadKeys(e, /^(linekey\.\d+)\.type$/, (g) => e.get(`${g}.value`));
    // The original's Yealink scale (v+9)*52/17: 0 → 28, -8 → 3.
    expect(e.get('voice.handset.tone_vol')).to.equal('28');
    expect(e.get('voice.handfree.tone_vol')).to.equal('3');
    expect(e.get('account.2.password')).to.equal(second.sip.password);
    for (const [key, v] of e) if (/:\/\//.test(v)) expect(v, key).to.satisfy((s: string) => s.startsWith(`${PUBLIC}/`) || s === PUBLIC);
    nothingDroppedSilently(id, (name) => e.has(name));
    expect(problemsOf(id)).to.deep.equal([]);
  });

  const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, ignoreDeclaration: true }).parse(xml);
  const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  for (const id of ['ui/snom/3xx/320', 'ui/snom/8xx/820']) {
    it(`snom ${id.split('/')[3]} at the original's install path: fkeys from Kazoo, setting server complete`, async () => {
      const { res, first, account } = await twoLinePhone(id);
      expect(res.headers.get('content-type')).to.match(/xml/);
      const x = parse(res.text).settings;
      const ps = list(x['phone-settings']).reduce((a: Record<string, any>, b: Record<string, any>) => ({ ...a, ...b }), {});
      const fkeys = list(x.functionKeys).flatMap((f: any) => list(f.fkey));
      // snom fkey: "blf <sip:ext@domain>" and "speed <number>", idx 0-based (snom settings documentation).
      expect(fkeys.find((f: any) => f.idx === '0')?.['#text']).to.equal(`blf <sip:4711@${account.realm}>`);
      expect(fkeys.find((f: any) => f.idx === '1')?.['#text']).to.equal('speed 5559876');
      for (const f of fkeys) expect(String(f['#text']).split(' ')[1] || '', `fkey ${f.idx}`).to.not.equal('');
      expect(ps.setting_server['#text']).to.equal(`${PUBLIC}/prov/snom/settings.php?mac={mac}`);
      const realnames = list(ps.user_realname).map((u: any) => u['#text']);
      if (id.endsWith('320')) {
        expect(realnames).to.include('Jürgen Müller'); // snom's {SIPUSERNAME} is the user's name
        expect(list(ps.user_name).map((u: any) => u['#text'])).to.include(first.sip.username);
        expect(ps.language['#text']).to.equal('Deutsch');
      }
      expect(ps.http_client_user['#text']).to.match(/\S/);
      expect(res.text).to.not.match(/\{[A-Z][A-Za-z0-9_]*\}/);
      nothingDroppedSilently(id, (name) => name in ps || name in x);
      expect(problemsOf(id)).to.deep.equal([]);
    });
  }

  it('snom M3: "%KEY%: value" lines in ISO-8859-1 as text, as the original served them', async () => {
    const id = 'ui/snom/m3x/m3';
    const { res, first, second, mac } = await twoLinePhone(id);
    expect(res.headers.get('content-type')).to.equal('text/plain; charset=ISO-8859-1');
    const text = Buffer.from(await (await fetch(`${srv.url}${urlOf(id, mac)}`)).arrayBuffer()).toString('latin1');
    expect(text).to.include('%SUBSCR_1_UA_DATA_DISP_NAME%: "Jürgen Müller"\n');
    expect(text).to.include(`%SUBSCR_2_SIP_UA_DATA_SIP_PASSWORD%: "${second.sip.password}"\n`);
    // {Phone_Reregister_Prov}: the re-registration interval, Kazoo's for the device (the original wrote a fixed 360).
    expect(text).to.include(`%SRV_0_SIP_UA_DATA_REREG_TIME%: ${(first.sip as any).expire_seconds}\n`);
    expect(text).to.not.include(' = ');
    expect(text).to.not.match(/\{[A-Z][A-Za-z0-9_]*\}/);
    // A phone without keys: Kazoo's keys are reported, not silently lost.
    expect(problemsOf(id)).to.include("feature key 1 is beyond the phone's 0 keys");
  });

  for (const id of ['ui/panasonic/kx/tgp500', 'ui/panasonic/kx/uds124']) {
    it(`Panasonic ${id.split('/')[3]} (never served by the original): both lines, the configuration URL complete`, async () => {
      const { res, second } = await twoLinePhone(id);
      const e = plainEntries(res.text, '=');
      expect(e.get('SIP_PASS_2')).to.equal(`"${second.sip.password}"`);
      expect(e.get('CFG_STANDARD_FILE_PATH')).to.equal(`"${PUBLIC}/prov/panasonic/Config{mac}.cfg"`);
      expect(res.text).to.not.match(/\{[A-Z][A-Za-z0-9_]*\}/);
      nothingDroppedSilently(id, (name) => e.has(name));
      for (const p of problemsOf(id)) expect(p).to.match(/^feature key \d is beyond the phone's \d+ keys$/);
    });
  }

  it('Monster UI reaches the catalog under the install path too (PUBLIC_URL/api/), with CORS', async () => {
    const res = await http(`${srv.url}/provisioner/api/ui/yealink/t4x/t46g`, { headers: { Origin: 'https://monster.example.net' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('access-control-allow-origin')).to.equal('*');
    expect(res.json.data.template.feature_keys.iterate).to.equal(27); // usr_keys.setable_phone_keys
    expect((await http(`${srv.url}/elsewhere/api/ui/yealink/t4x/t46g`)).status).to.equal(404);
  });

    it('revert puts the seeded template back, and setup sees it as its own again', async () => {
    const res = await runTs('server/catalog/cli.ts', ['revert', 'ui/mitel/68xx/6867i'], env);
    expect(res.code, res.stderr).to.equal(0);
    const doc = await catalogDoc('ui/mitel/68xx/6867i');
    expect(doc!.pvt_seed_hash).to.equal(contentHash(doc!));
    expect(doc!.cfg_linekey).to.not.have.property('topsoftkey{{add key.index0 1}} type');
    const twice = await runTs('server/catalog/cli.ts', ['revert', 'ui/mitel/68xx/6867i'], env);
    expect(twice.code).to.equal(2);
    expect(twice.stderr).to.match(/was not replaced by import-legacy/);
  });

  describe('templates written straight into CouchDB (validate_doc_update)', function () {

    const good = { _id: 'ui/acme/desk/p500', pvt_type: 'provisioner', pvt_generator: 'json2plain', endpoint_brand: 'acme',
      endpoint_family: 'desk', endpoint_model: 'p500', capabilities: { lines: 2 },
      files: [{ name: 'acme.cfg', scope: 'common', sections: ['cfg_base'] }, { name: '{mac}.cfg', scope: 'device', sections: ['cfg_account'] }],
      cfg_base: { 'ntp.server': { value: '{{settings.ntp_server}}' } },
      cfg_account: { 'sip.{{line.index}}.password': { value: '{{#if line.password}}{{line.password}}{{else}}none{{/if}}' } } };
    const write = async (doc: Record<string, unknown>) => {
      try { await srv.app.catalogDb.insert(doc); return { status: 201, reason: '' }; } catch (err) {
        return { status: (err as { statusCode: number }).statusCode, reason: String((err as { reason?: string }).reason || (err as Error).message) };
      }
    };

    it('refuses what the API schema refuses: no lines, lines in a common file, broken Handlebars', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ ...good, capabilities: { lines: 0 } }, /^\/capabilities\/lines: must be a whole number from 1 to 64$/],
        [{ ...good, files: [{ name: 'acme.cfg', scope: 'common', sections: ['cfg_base', 'cfg_account'] }] },
          /^\/files\/0\/sections: common file acme\.cfg cannot hold cfg_account: it is served without authentication$/],
        [{ ...good, cfg_base: { 'sip.password': { value: '{{line.password}}' } } },
          /^\/cfg_base\/sip\.password\/value: references account or line data, but cfg_base goes into the common file acme\.cfg/],
        [{ ...good, cfg_account: { 'sip.1.user': { value: '{{#if line.username}}{{line.username}}' } } },
          /^\/cfg_account\/sip\.1\.user\/value: is not a valid Handlebars template \(\{\{#if\}\} is never closed\)$/],
        [{ ...good, cfg_account: { 'sip.1.user': { value: '{{line.username' } } }, /is not a valid Handlebars template \(a \{\{ is never closed\)/],
        [{ ...good, files: [{ name: '{mac}.cfg', scope: 'device', sections: ['cfg_nonsense'] }] }, /^\/files\/0\/sections\/0: must be one of cfg_base/],
      ];
      for (const [doc, reason] of cases) {
        const res = await write(doc);
        expect(res.status, JSON.stringify(doc)).to.equal(403);
        expect(res.reason).to.match(reason);
      }
      expect((await write(good)).status).to.equal(201);
    });

    it('accepts the original project\'s documents as they are', async () => {
      for (const doc of docs.filter((d) => d.pvt_type)) {
        const { _rev, ...rest } = doc;
        const current = await catalogDoc(doc._id); // imported or seeded above: an update, checked the same way
        expect((await write({ ...rest, ...(current ? { _rev: current._rev } : {}) })).status, doc._id).to.equal(201);
      }
    });
  });

  describe('phones the original served without a password (first-contact window)', function () {

    const api = (method: string, path: string) => http(`${srv.url}/api/${path}`, { method, headers: { 'x-auth-token': srv.app.config.adminToken! } });
    // Aastra's User-Agent (profile sources): model, MAC with dashes, firmware.
    const UA = (mac: string) => `Aastra6753i MAC:${mac.toUpperCase().match(/../g)!.join('-')} V:3.3.1.4322-SIP`;

    async function mitel(account: { _id: string }) {
      const mac = newMac('00085d');
      await k.device(account._id, { mac, brand: 'mitel', family: '67xx', model: '6753i' });
      await waitFor(async () => srv.services.macIndex.lookup(mac).kind === 'devices', 5000, 'device indexed');
      const path = `/prov/mitel/${mac.toUpperCase()}.cfg`;
      return { mac, path, get: (ip: string, headers: Record<string, string> = {}) => phoneGet(`${srv.url}${path}`, { ip, headers: { 'User-Agent': UA(mac), ...headers } }) };
    }

    it('lets a phone without pass= in once while the window is open, pins it and hands it credentials it needs from then on', async () => {
      const account = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
      const phone = await mitel(account);
      expect((await phone.get('127.0.0.21')).status, 'no window: the urlpass is required').to.equal(401);

      const opened = await api('PUT', `accounts/${account._id}/provisioning/windows/first-contact/hours/2`);
      expect(opened.status).to.equal(200);
      expect(opened.json.data.ip).to.equal('first-contact');
      expect(opened.json.data.until - opened.json.data.at).to.equal(2 * 3_600_000);
      const first = await phone.get('127.0.0.21');
      expect(first.status).to.equal(200);
      const creds = { username: /^http digest username: ?(.+)$/m.exec(first.text)![1], password: /^http digest password: ?(.+)$/m.exec(first.text)![1] };
      secret(creds.password);
      expect(creds.username).to.match(/\S/);

      // Pinned: the same phone without credentials is refused, with them it is served.
      const again = await phone.get('127.0.0.21');
      expect(again.status).to.equal(401);
      const [c] = challengesOf(again);
      const withCreds = await phone.get('127.0.0.21', { Authorization: digestAuth(c, creds.username, creds.password, phone.path) });
      expect(withCreds.status).to.equal(200);
      // A wrong pass= is not a missing one.
      expect((await phoneGet(`${srv.url}${phone.path}?pass=wrong`, { ip: '127.0.0.22', headers: { 'User-Agent': UA((await mitel(account)).mac) } })).status).to.equal(404);

      // Closed: the next new phone needs the urlpass (or its credentials) again.
      expect((await api('DELETE', `accounts/${account._id}/provisioning/windows/first-contact`)).status).to.equal(200);
      const later = await mitel(account);
      expect((await later.get('127.0.0.23')).status).to.equal(401);
    });

    it('opens for one account only, and for at most 168 hours', async () => {
      const a = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
      const b = await k.account({ provision: { provision_enabled: true, urlpass: PASS } });
      expect((await api('PUT', `accounts/${a._id}/provisioning/windows/first-contact/hours/169`)).status).to.equal(400);
      expect((await api('PUT', `accounts/${a._id}/provisioning/windows/first-contact/hours/1`)).status).to.equal(200);
      expect((await (await mitel(a)).get('127.0.0.24')).status).to.equal(200);
      expect((await (await mitel(b)).get('127.0.0.24')).status).to.equal(401);
    });
  });
});

import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import type { RunningServer } from '../server/server.js';
import { startTestServer } from './harness.js';
import { newId, newMac } from './fixtures/kazoo.js';
import { ADMIN_TOKEN, startWorld, type World } from './kazoo-tenants.js';
import { http, waitFor } from './support.js';

const PASS = 'url-pass-phonebooks-5c1d';
const OTHER_PASS = 'url-pass-phonebooks-other-77aa';
// Attributes kept (snom's index, complete); numbers kept as text, as a phone reads them.
const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false,
  isArray: (name) => ['DirectoryEntry', 'item', 'Contact'].includes(name) }).parse(xml);

describe('phonebooks', function () {
  this.timeout(60000);
  let w: World;
  let b: RunningServer;
  const macs = { yealink: newMac('805ec0'), snom: newMac('000413'), grandstream: newMac('000b82'), other: newMac('805ec0'),
    cisco: newMac('00000c'), mitel: newMac('00085d') };

  const fetchFrom = (srv: RunningServer, path: string) => http(`${srv.url}${path}`);
  const book = (srv: RunningServer, brand: string, mac: string, pass = PASS) => fetchFrom(srv, `/prov/${brand}/phonebook-${mac}.xml?pass=${pass}`);
  /** The phonebook once it satisfies `ok` (change feeds are asynchronous). */
  const bookUntil = (srv: RunningServer, brand: string, mac: string, ok: (text: string) => boolean, what: string) =>
    waitFor(async () => { const r = await book(srv, brand, mac); return r.status === 200 && ok(r.text) ? r : null; }, 8000, what);

  before(async function () {
    // Two servers seeding and indexing on a shared machine: slower than one test.
    this.timeout(120000);
    w = await startWorld({ indexIntervalMs: 200 });
    // Kazoo keeps the account doc in its own database and in `accounts` (which the server mirrors).
    for (const [id, urlpass] of [[w.account, PASS], [w.other, OTHER_PASS]]) {
      const doc = await w.kazoo.update(id, id, (d) => { d.provision = { provision_enabled: true, urlpass }; });
      await w.kazoo.put(`${w.prefix}accounts`, { ...doc, _rev: undefined });
    }
    // SmartPBX's user callflow: an extension and a DID ring Uma User (the DID stays out of the phonebook).
    await w.kazoo.put(w.kazoo.accountDbName(w.account), { _id: newId(), pvt_type: 'callflow', owner_id: w.ids.user,
      numbers: ['2002', '+15557654321'], flow: { module: 'user', data: { id: w.ids.user } } });
    await w.kazoo.device(w.account, { mac: macs.yealink, brand: 'yealink', family: 't4x', model: 't46s' });
    await w.kazoo.device(w.account, { mac: macs.snom, brand: 'snom', family: 'dxxx', model: 'd345' });
    await w.kazoo.device(w.account, { mac: macs.grandstream, brand: 'grandstream', family: 'gxp21xx', model: 'gxp2170' });
    await w.kazoo.device(w.account, { mac: macs.cisco, brand: 'cisco', family: 'mpp88xx', model: 'cp8851' });
    await w.kazoo.device(w.account, { mac: macs.mitel, brand: 'mitel', family: '68xx', model: '6867i' });
    await w.kazoo.device(w.other, { mac: macs.other, brand: 'yealink', family: 't4x', model: 't46s' });
    b = await startTestServer({ dbPrefix: w.prefix, kazooDbPrefix: w.prefix, kazooApiUrl: w.crossbar.url, adminToken: ADMIN_TOKEN, indexIntervalMs: 200 });
    for (const mac of Object.values(macs)) {
      await waitFor(async () => w.srv.services.macIndex.lookup(mac).kind === 'devices' && b.services.macIndex.lookup(mac).kind === 'devices', 8000, 'index');
    }
  });
  after(async () => { await b?.close(); await w?.close(); });

  it('yealink: the config names the phonebook URL, and the file is a YealinkIPPhoneDirectory of the users with their extensions', async () => {
    const cfg = await fetchFrom(w.srv, `/prov/yealink/${macs.yealink}.cfg?pass=${PASS}`);
    expect(cfg.status).to.equal(200);
    // Yealink admin guide, Remote Phone Book: remote_phonebook.data.X.url / .name.
    expect(cfg.text).to.include(`remote_phonebook.data.1.url = ${w.srv.app.config.publicUrl}/prov/yealink/phonebook-${macs.yealink}.xml`);
    expect(cfg.text).to.include('remote_phonebook.data.1.name = Customer');
    const res = await book(w.srv, 'yealink', macs.yealink);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/xml/);
    const doc = parse(res.text);
    const entries = doc.YealinkIPPhoneDirectory.DirectoryEntry as Array<{ Name: string; Telephone: string }>;
    expect(entries).to.deep.include({ Name: 'Uma User', Telephone: '2002' });
    expect(res.text).to.not.include('+15557654321');
  });

  it('snom: the settings list the phonebook in <setting-files>, a <tbook complete="true"> of <item>s with a unique index, <name> and <number>', async () => {
    const cfg = await fetchFrom(w.srv, `/prov/snom/${macs.snom}.xml?pass=${PASS}`);
    expect(cfg.status).to.equal(200);
    // snom wiki, <tbook> tag: a directory file may be listed as <setting-files><file url="..."/></setting-files>.
    const files = parse(cfg.text).settings['setting-files'];
    expect(files.file['@url']).to.equal(`${w.srv.app.config.publicUrl}/prov/snom/phonebook-${macs.snom}.xml`);
    const res = await book(w.srv, 'snom', macs.snom);
    expect(res.status).to.equal(200);
    const tbook = parse(res.text).tbook;
    expect(tbook['@complete']).to.equal('true');
    const items = tbook.item as Array<Record<string, string>>;
    expect(items.some((i) => i.name === 'Uma User' && i.number === '2002')).to.equal(true);
    expect(new Set(items.map((i) => i['@index'])).size).to.equal(items.length);
  });

  it('grandstream: an <AddressBook> of <Contact>s with LastName, FirstName and Phone/phonenumber + accountindex', async () => {
    const res = await book(w.srv, 'grandstream', macs.grandstream);
    expect(res.status).to.equal(200);
    const contacts = parse(res.text).AddressBook.Contact as Array<any>;
    const uma = contacts.find((c) => c.FirstName === 'Uma');
    expect(uma).to.deep.include({ LastName: 'User', Phone: { phonenumber: '2002', accountindex: '0' } });
  });

  it('cisco MPP: XML_Directory_Service_URL names the file, a <CiscoIPPhoneDirectory> of <DirectoryEntry> with <Name> and <Telephone>', async () => {
    const cfg = await fetchFrom(w.srv, `/prov/cisco/${macs.cisco}.xml?pass=${PASS}`);
    expect(cfg.status).to.equal(200);
    // Cisco IP Phone 6800/7800/8800 Multiplatform Administration Guide, XML Directory Service.
    const url = /<XML_Directory_Service_URL[^>]*>([^<]+)<\/XML_Directory_Service_URL>/.exec(cfg.text)?.[1];
    expect(url).to.equal(`${w.srv.app.config.publicUrl}/prov/cisco/phonebook-${macs.cisco}.xml`);
    const res = await book(w.srv, 'cisco', macs.cisco);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/xml/);
    const entries = parse(res.text).CiscoIPPhoneDirectory.DirectoryEntry as Array<{ Name: string; Telephone: string }>;
    expect(entries).to.deep.include({ Name: 'Uma User', Telephone: '2002' });
  });

  it('mitel: "directory 1" names the file on the configuration server, a text list of "name, number" lines served as text/plain', async () => {
    const cfg = await fetchFrom(w.srv, `/prov/mitel/${macs.mitel.toUpperCase()}.cfg?pass=${PASS}`);
    expect(cfg.status).to.equal(200);
    // Aastra/Mitel SIP IP Phones Administrator Guide, Directory List: directory 1: <file name>, fetched from the configuration server.
    const file = /^directory 1: (.+)$/m.exec(cfg.text)?.[1];
    expect(file).to.equal(`phonebook-${macs.mitel.toUpperCase()}.csv`);
    const res = await fetchFrom(w.srv, `/prov/mitel/${file}?pass=${PASS}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    expect(res.text.split('\n')).to.include('Uma User, 2002');
  });

  it('an admin edits the operator list; both instances serve it; users, other accounts and bad input are refused', async () => {
    const before = await w.call('GET', `accounts/${w.account}/phonebook`, w.tokens.user);
    expect(before.status).to.equal(200);
    expect(before.json.data.kazoo).to.deep.include({ name: 'Uma User', number: '2002', source: 'kazoo' });
    const entries = [{ name: 'Front desk & lobby', number: '+4930123456' }, { name: 'Pizza', number: '5551234' }];
    expect((await w.call('PUT', `accounts/${w.account}/phonebook`, w.tokens.user, { entries })).status).to.equal(403);
    expect((await w.call('PUT', `accounts/${w.account}/phonebook`, w.tokens.otherAdmin, { entries })).status).to.equal(403);
    const saved = await w.call('PUT', `accounts/${w.account}/phonebook`, w.tokens.accountAdmin, { entries, rev: before.json.data.rev });
    expect(saved.status).to.equal(200);
    // Served by this instance and, through the state feed, by the other one.
    for (const srv of [w.srv, b]) {
      const res = await bookUntil(srv, 'yealink', macs.yealink, (t) => t.includes('Pizza'), 'operator entries');
      const names = (parse(res.text).YealinkIPPhoneDirectory.DirectoryEntry as Array<{ Name: string; Telephone: string }>);
      expect(names).to.deep.include({ Name: 'Front desk & lobby', Telephone: '+4930123456' });
      expect(res.text).to.include('Front desk &amp; lobby');
    }
    // A stale rev is told, not overwritten.
    const stale = await w.call('PUT', `accounts/${w.account}/phonebook`, w.tokens.accountAdmin, { entries: [], rev: before.json.data.rev });
    expect(stale.status).to.equal(409);
    for (const [body, field] of [
      [{ entries: [{ name: 'Bad', number: '555 OR 1=1' }] }, 'entries[0].number'],
      [{ entries: [{ name: '', number: '100' }] }, 'entries[0].name'],
      [{ entries: [{ name: 'Line\nbreak', number: '100' }] }, 'entries[0].name'],
      [{ entries: Array.from({ length: 1001 }, (_, i) => ({ name: `n${i}`, number: String(1000 + i) })) }, 'entries'],
      [{ list: [] }, 'entries'],
    ] as const) {
      const res = await w.call('PUT', `accounts/${w.account}/phonebook`, w.tokens.accountAdmin, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
      expect(res.json.data.field).to.equal(field);
      expect(res.json.message).to.be.a('string').and.not.equal('');
    }
    const after = await w.call('GET', `accounts/${w.account}/phonebook`, w.tokens.accountAdmin);
    expect(after.json.data.entries).to.deep.equal(entries);
    expect(after.json.data.merged.map((e: any) => e.name)).to.include('Pizza').and.include('Uma User');
  });

  it('a user added in Kazoo shows up on both instances through the change feed; a warm fetch asks CouchDB nothing', async () => {
    const nora = await w.kazoo.user(w.account, { first: 'Nora', last: 'New', presenceId: '2077' });
    for (const srv of [w.srv, b]) await bookUntil(srv, 'yealink', macs.yealink, (t) => t.includes('Nora New'), 'new user');
    await w.kazoo.put(w.kazoo.accountDbName(w.account), { _id: newId(), pvt_type: 'callflow', owner_id: nora._id, numbers: ['2078'] });
    await bookUntil(w.srv, 'yealink', macs.yealink, (t) => t.includes('<Telephone>2078</Telephone>'), 'callflow extension');
    const first = await book(w.srv, 'yealink', macs.yealink);
    const s = w.srv.services;
    const calls = { kazoo: 0, state: 0 };
    const { accountDb } = s.kazoo;
    const stateGet = s.app.stateDb.get;
    s.kazoo.accountDb = ((id: string) => { calls.kazoo++; return accountDb.call(s.kazoo, id); }) as typeof accountDb;
    s.app.stateDb.get = ((...args: unknown[]) => { calls.state++; return (stateGet as any).apply(s.app.stateDb, args); }) as typeof stateGet;
    try {
      const warm = await book(w.srv, 'yealink', macs.yealink);
      expect(warm.status).to.equal(200);
      expect(warm.headers.get('etag')).to.equal(first.headers.get('etag'));
    } finally {
      s.kazoo.accountDb = accountDb;
      s.app.stateDb.get = stateGet;
    }
    expect(calls).to.deep.equal({ kazoo: 0, state: 0 });
  });

  it('is protected like the config: no pass, another account\'s pass, or a MAC of another account gets nothing of this account', async () => {
    // Without pass= the phonebook gets exactly what the config gets (the guard's first-contact and lock rules).
    const cfgNoPass = await fetchFrom(w.srv, `/prov/yealink/${macs.yealink}.cfg`);
    expect((await fetchFrom(w.srv, `/prov/yealink/phonebook-${macs.yealink}.xml`)).status).to.equal(cfgNoPass.status);
    // The account's CIDR allow-list applies to both, and lifting it serves both again.
    const settings = (cidrs: string[]) => w.call('PUT', `accounts/${w.account}/provisioning/settings`, w.tokens.accountAdmin, { data: { cidrs } });
    expect((await settings(['10.0.0.0/8'])).status).to.equal(200);
    await waitFor(async () => (await fetchFrom(w.srv, `/prov/yealink/${macs.yealink}.cfg?pass=${PASS}`)).status === 404, 8000, 'cidr applied');
    expect((await book(w.srv, 'yealink', macs.yealink)).status).to.equal(404);
    expect((await settings([])).status).to.equal(200);
    await bookUntil(w.srv, 'yealink', macs.yealink, () => true, 'cidr lifted');
    expect((await book(w.srv, 'yealink', macs.yealink, OTHER_PASS)).status).to.equal(404);
    // The other account's phone reads its own account's (empty) phonebook, never this one.
    const theirs = await book(w.srv, 'yealink', macs.other, OTHER_PASS);
    expect(theirs.status).to.equal(200);
    expect(theirs.text).to.not.include('Uma User').and.not.include('Pizza');
    expect((await book(w.srv, 'yealink', macs.other, PASS)).status).to.equal(404);
    // A snom phone's MAC asked for under another brand is refused, as its config would be.
    expect((await book(w.srv, 'yealink', macs.snom)).status).to.equal(404);
    expect((await book(w.srv, 'yealink', newMac('805ec0'))).status).to.equal(404);
  });
});

// Benchmark: a boot storm. N desk phones of the seeded brands come back after a power cut; each asks
// for its vendor's real file sequence (common and per-MAC files, as its template lists them) with
// the User-Agent its firmware sends. The server runs as its own process on the embedded CouchDB.
// Then, against the limit: nginx serves the same rendered bytes as static files, and our warm
// throughput is reported as a fraction of nginx's (skipped, saying so, when nginx is not installed).
//
//   npx tsx bench/boot-storm.ts [--phones 500] [--concurrency 64] [--seconds 5] [--per-account 100]
//   npx tsx bench/boot-storm.ts --phones 10000          # the issue's target size
//   npx tsx bench/boot-storm.ts --phones 10000 --apache # on Apache CouchDB 3.5 from ../shared/couchdb/
//   npx tsx bench/boot-storm.ts --profile /tmp/prof      # the restarted server's CPU profile, written when it stops
//
// Targets at 10,000 phones: every file within 60 s, zero errors, p99 < 250 ms; warm ≥ 0.5 × nginx. A bare
// node:http server on the same bytes is measured after nginx: the runtime's own ceiling on this host.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import nano from 'nano';
import { startEmbeddedCouch, freePort } from '../server/couch/embedded.js';
import { readSeedDocs } from '../server/catalog/seed.js';
import { SEED_DIR } from '../server/bootstrap.js';
import { filesOf, fileNameFor } from '../server/phones/files.js';
import type { ProfileDoc, TemplateDoc } from '../server/catalog/types.js';
import { accountDbOf, kazooAccountDoc, kazooDeviceDoc, kazooUserDoc } from '../server/kazoo/docs.js';
import { startServerProcess, metric } from './phones.js';
import { startCouchNode } from '../test/apache-couchdb.js';
import { arg, percentile, waitForQuietHost, waitUntil } from './util.js';

const PHONES = arg('phones', 500);
const CONCURRENCY = arg('concurrency', 64);
const SECONDS = arg('seconds', 5);
const PER_ACCOUNT = arg('per-account', 100);
const APACHE = process.argv.includes('--apache');
// --profile <dir>: the restarted server writes a V8 CPU profile (.cpuprofile, for Chrome's DevTools) there
// when it stops, so where a restart storm's time goes is measured, not guessed.
const PROFILE_DIR = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : null;
const PASS = 'bench-url-pass';

/** One model per seeded brand, and the User-Agent its firmware sends (as vendors document/phones send it). */
const FLEET: Array<{ template: string; ua: (mac: string) => string }> = [
  { template: 'ui/yealink/t4x/t46s', ua: (m) => `Yealink SIP-T46S 66.86.0.15 ${colons(m)}` },
  { template: 'ui/snom/dxxx/d785', ua: (m) => `Mozilla/4.0 (compatible; snomD785-SIP 10.1.54.13 1.1.3-s ${m.toUpperCase()})` },
  { template: 'ui/polycom/vvx/vvx450', ua: (m) => `FileTransport PolycomVVX-VVX_450-UA/6.4.3.5018 (SN:${m}) Type/Application` },
  { template: 'ui/grandstream/gxp21xx/gxp2170', ua: (m) => `Grandstream Model HW GXP2170 SW 1.0.11.64 DevId ${m}` },
  { template: 'ui/mitel/68xx/6867i', ua: (m) => `Aastra6867i MAC:${colons(m).replace(/:/g, '-').toUpperCase()} V:5.1.1.4082-SIP` },
  { template: 'ui/cisco/mpp88xx/cp8851', ua: (m) => `Cisco-CP-8851-3PCC/11.3.7 (${m})` },
  { template: 'ui/fanvil/x/x4u', ua: (m) => `Fanvil X4U 2.12.20 ${m}` },
  { template: 'ui/panasonic/hdv/hdv230', ua: (m) => `Panasonic_KX-HDV230/02.106 (${m})` },
  { template: 'ui/htek/uc9xx/uc912g', ua: (m) => `Htek UC912G 2.42.6.5.27 ${colons(m)}` },
];

function colons(mac: string): string {
  return mac.match(/../g)!.join(':');
}

interface Phone { ua: string; paths: string[] }

/** The fleet's models from the seed, each checked against its vendor profile's User-Agent pattern. */
function fleetModels() {
  const docs = readSeedDocs(SEED_DIR) as unknown as Array<{ _id: string }>;
  return FLEET.map((f) => {
    const template = docs.find((d) => d._id === f.template) as TemplateDoc | undefined;
    if (!template) throw new Error(`no seeded template ${f.template}`);
    const profile = docs.find((d) => d._id === `profile/${template.endpoint_brand}`) as ProfileDoc | undefined;
    const mac = (profile?.ouis?.[0] || '001122') + '0a0b0c';
    const pattern = profile?.user_agent?.pattern;
    if (pattern && !new RegExp(pattern).test(f.ua(mac))) throw new Error(`${f.template}: the bench's User-Agent does not match the profile's pattern`);
    return { ...f, template, profile, oui: profile?.ouis?.[0] || '001122' };
  });
}

async function seedFleet(couchUrl: string, prefix: string, phones: number): Promise<Phone[]> {
  const models = fleetModels();
  const server = nano(couchUrl);
  const accountsDb = `${prefix}accounts`;
  await server.db.create(accountsDb).catch(() => {});
  const out: Phone[] = [];
  const accountDocs = [];
  for (let a = 0; a * PER_ACCOUNT < phones; a++) {
    const id = randomBytes(16).toString('hex');
    const account = kazooAccountDoc({ id, name: `Storm ${a}`, realm: `storm${a}.sip.example.com`,
      provision: { provision_enabled: true, urlpass: PASS, admin_password: 'bench-admin' } }, prefix);
    accountDocs.push(account);
    const dbName = prefix + accountDbOf(id);
    await server.db.create(dbName);
    const user = kazooUserDoc({ id: randomBytes(16).toString('hex'), accountId: id, first: 'User', last: `${a}`, presenceId: '1000' }, prefix);
    const docs: Record<string, unknown>[] = [account, user];
    for (let d = 0; d < PER_ACCOUNT && out.length < phones; d++) {
      const m = models[out.length % models.length];
      // Sequential, not random: a duplicate MAC in two accounts would (rightly) be served to neither.
      const mac = m.oui + (out.length + 1).toString(16).padStart(6, '0');
      docs.push(kazooDeviceDoc({ id: randomBytes(16).toString('hex'), accountId: id, name: `Phone ${d}`, mac,
        username: `user_${randomBytes(5).toString('hex')}`, password: randomBytes(9).toString('base64url'), ownerId: user._id as string,
        brand: String(m.template.endpoint_brand), family: String(m.template.endpoint_family), model: String(m.template.endpoint_model) }, prefix));
      const brand = m.template.endpoint_brand;
      // The vendor's boot sequence: the files in the template's order, common ones without credentials.
      const paths = filesOf(m.template, m.profile).map((f) => f.scope === 'device'
        ? `/prov/${brand}/${fileNameFor(f, mac, m.profile)}?pass=${PASS}`
        : `/prov/${brand}/${f.name}`);
      out.push({ ua: m.ua(mac), paths });
    }
    await server.use(dbName).bulk({ docs });
  }
  for (let i = 0; i < accountDocs.length; i += 1000) await server.use(accountsDb).bulk({ docs: accountDocs.slice(i, i + 1000) });
  return out;
}

/** `end`: when the answer arrived (performance.now()). */
interface Sample { ms: number; ok: boolean; end: number }

async function fetchOne(agent: Agent, base: string, path: string, ua: string): Promise<Sample & { body: Buffer; status: number }> {
  const t = performance.now();
  try {
    const res = await request(`${base}${path}`, { dispatcher: agent, headers: { 'user-agent': ua } });
    const body = Buffer.from(await res.body.arrayBuffer());
    const end = performance.now();
    return { ms: end - t, end, ok: res.statusCode === 200, body, status: res.statusCode };
  } catch {
    const end = performance.now();
    return { ms: end - t, end, ok: false, body: Buffer.alloc(0), status: 0 };
  }
}

/** Every phone fetches its files in order; CONCURRENCY phones boot at once. */
async function storm(base: string, phones: Phone[]) {
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const samples: Sample[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < phones.length; i = next++) {
      for (const path of phones[i].paths) {
        const s = await fetchOne(agent, base, path, phones[i].ua);
        samples.push(s);
        if (!s.ok) statuses.set(s.status, (statuses.get(s.status) || 0) + 1);
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await agent.close();
  return { seconds, samples, statuses, t0 };
}

/** Fixed-duration hammer over a URL list: warm throughput. */
async function hammer(base: string, urls: Array<{ path: string; ua: string }>, seconds: number) {
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const ms: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const u = urls[i++ % urls.length];
      const s = await fetchOne(agent, base, u.path, u.ua);
      if (!s.ok) errors++;
      ms.push(s.ms);
    }
  }));
  await agent.close();
  return { rps: ms.length / seconds, requests: ms.length, errors, p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

/** A storm with its figures: throughput, latency, errors, CouchDB requests per phone request. */
async function measuredStorm(base: string, phones: Phone[], label: string) {
  const couchBefore = await metric(base, 'provision_couchdb_requests_total');
  const run = await storm(base, phones);
  const couchAfter = await metric(base, 'provision_couchdb_requests_total');
  const ms = run.samples.map((s) => s.ms);
  const errors = run.samples.filter((s) => !s.ok).length;
  const r = {
    phones: phones.length, requests: run.samples.length, seconds: +run.seconds.toFixed(2), rps: Math.round(run.samples.length / run.seconds),
    p50: +percentile(ms, 50).toFixed(2), p95: +percentile(ms, 95).toFixed(2), p99: +percentile(ms, 99).toFixed(2), errors,
    statuses: Object.fromEntries(run.statuses), couch_per_request: +((couchAfter - couchBefore) / run.samples.length).toFixed(4),
  };
  // Where the slow answers fall in time: a cold start's first seconds, or stalls spread over the storm.
  const buckets = new Map<number, number[]>();
  for (const smp of run.samples) {
    const b = Math.floor((smp.end - run.t0) / 5000);
    const list = buckets.get(b);
    if (list) list.push(smp.ms); else buckets.set(b, [smp.ms]);
  }
  console.log(`${label}, p99 per 5 s: ${[...buckets].sort((a, b) => a[0] - b[0])
    .map(([b, l]) => `${b * 5}-${b * 5 + 5} s: ${l.length} files, p99 ${percentile(l, 99).toFixed(0)} ms`).join('; ')}`);
  console.log(`| ${label} | ${r.phones} phones, ${r.requests} files, ${CONCURRENCY} at once | ${r.seconds} s, ${r.rps} req/s `
    + `| p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms | errors ${errors} | CouchDB requests per file ${r.couch_per_request} |`);
  return r;
}

function nginxBinary(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    if (spawnSync(p, ['-v']).status === 0) return p;
  }
  const r = spawnSync('sh', ['-c', 'command -v nginx']);
  return r.status === 0 ? r.stdout.toString().trim() : null;
}

/** nginx on loopback with everything (config, pid, logs, temp paths) in its own directory. */
async function startNginx(bin: string, dir: string, root: string): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  // One worker: the comparison is one nginx process against our one Node process.
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
  sendfile on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    etag on;
  }
}
`);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/`).then((r) => r.status).catch(() => 0)) > 0, 10000, 'nginx');
  return { base, stop: () => new Promise<void>((r) => { child.on('exit', () => r()); child.kill('SIGQUIT'); }) };
}

/**
 * The ceiling of a Node process on this host: node:http with every file's bytes in a Map and no work per
 * request but the lookup. Our server runs on the same runtime, so the gap to nginx that this shows is
 * Node's, and the gap between this and ours is ours.
 */
async function startBareNode(root: string): Promise<{ base: string; stop(): Promise<void> }> {
  const port = await freePort();
  const script = `
    const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
    const files = new Map();
    for (const p of fs.readdirSync(process.env.ROOT, { recursive: true })) {
      const full = path.join(process.env.ROOT, p);
      if (fs.statSync(full).isFile()) files.set('/' + p, fs.readFileSync(full));
    }
    http.createServer((req, res) => {
      const body = files.get(req.url.split('?')[0]);
      if (!body) { res.statusCode = 404; res.end(); return; }
      res.setHeader('Content-Type', 'text/plain'); res.setHeader('Content-Length', body.length);
      res.end(body);
    }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ROOT: root },
    stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/`).then((r) => r.status).catch(() => 0)) > 0, 60000, 'bare node');
  return { base, stop: () => new Promise<void>((r) => { child.on('exit', () => r()); child.kill('SIGTERM'); }) };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-bench-storm-'));
  const couch = APACHE ? await startCouchNode() : await startEmbeddedCouch(join(dataDir, 'couch'));
  console.log(APACHE ? 'database: Apache CouchDB 3.5 (one node)' : 'database: the embedded server (pouchdb-server)');
  const prefix = 'storm_';
  let srv: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  try {
    const t0 = Date.now();
    const phones = await seedFleet(couch.url, prefix, PHONES);
    const files = phones.reduce((n, p) => n + p.paths.length, 0);
    console.log(`seeded ${PHONES} phones (${FLEET.length} brands, ${files} files) in ${Date.now() - t0} ms`);
    // Probe limits are for attackers; a storm of known phones from one loopback address is not one.
    srv = await startServerProcess(couch.url, join(dataDir, 'server'), prefix, { PROBE_LIMIT: '10000' });
    await waitUntil(async () => (await metric(srv!.base, 'provision_mac_index_macs')) >= PHONES, 600_000, 'MAC index');

    // 1. First contact: every phone is new to us (per-device credentials and locks get written).
    const first = await measuredStorm(srv.base, phones, 'first contact (all phones new)');
    // 2. The boot storm proper: a power cut restarts the phones and our server; the phones are known,
    //    our caches are empty.
    //    Same port, as a restarted server has: the port is in the files (Mitel's `http port`, every URL), and on a new
    //    one every phone's file would differ from the copy it fetched before, which a real restart does not cause.
    const port = Number(new URL(srv.base).port);
    await srv.stop();
    const restartedAt = performance.now();
    srv = await startServerProcess(couch.url, join(dataDir, 'server'), prefix, { PROBE_LIMIT: '10000' },
      { port, nodeArgs: PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [] });
    const answering = (performance.now() - restartedAt) / 1000;
    // Started: every MAC indexed and the security state (locks, credentials, bans) in memory. Phones
    // booting after a power cut take longer than that; until then each would read its own documents.
    await waitUntil(async () => (await metric(srv!.base, 'provision_mac_index_macs')) >= PHONES, 600_000, 'MAC index');
    await waitUntil(async () => (await metric(srv!.base, 'provision_phone_caches_preloaded')) >= 1, 600_000, 'phone caches preloaded');
    console.log(`restarted server: answering after ${answering.toFixed(1)} s, index and phone caches ready after ${((performance.now() - restartedAt) / 1000).toFixed(1)} s`);
    const boot = await measuredStorm(srv.base, phones, 'boot storm (known phones, server restarted, caches empty)');
    console.log(JSON.stringify({ first_contact: first, boot_storm: boot }));

    // Warm: the same files again, now all cached, for a fixed time; then nginx on the same bytes. First
    // the storm's aftermath settles (the database indexing the sightings it wrote, last-good copies
    // reaching the disk): that is a one-off after a storm, not the cost of a warm fetch.
    console.log(`waited ${(await waitForQuietHost()).toFixed(1)} s for the host to be quiet (< 25 % of its CPU for 8 s; an idle server and the embedded CouchDB use about 10 %)`);
    const urls = phones.flatMap((p) => p.paths.map((path) => ({ path, ua: p.ua })));
    const ours = await hammer(srv.base, urls, SECONDS);
    console.log(JSON.stringify({ warm: ours }));
    console.log(`| warm (ours) | ${Math.round(ours.rps)} req/s, ${CONCURRENCY} concurrent, ${SECONDS} s | p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms | errors ${ours.errors} |`);

    const bin = nginxBinary();
    if (!bin) {
      console.log('nginx is not installed (Debian: apt-get install -y nginx): the comparison against static files is skipped');
      return;
    }
    const root = join(dataDir, 'static');
    const agent = new Agent({ connections: CONCURRENCY });
    const seen = new Set<string>();
    for (const u of urls) {
      const file = u.path.split('?')[0];
      if (seen.has(file)) continue;
      seen.add(file);
      const r = await fetchOne(agent, srv.base, u.path, u.ua);
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), r.body);
    }
    await agent.close();
    // nginx's workers drop root for an unprivileged user, who must be able to read the files.
    chmodSync(dataDir, 0o755);
    const ngDir = join(dataDir, 'nginx');
    mkdirSync(ngDir, { mode: 0o755 });
    const ng = await startNginx(bin, ngDir, root);
    try {
      const theirs = await hammer(ng.base, urls, SECONDS);
      console.log(JSON.stringify({ nginx: theirs }));
      const ratio = ours.rps / theirs.rps;
      console.log(`| warm (nginx, static files, 1 worker) | ${Math.round(theirs.rps)} req/s | p50 ${theirs.p50.toFixed(2)} ms, p99 ${theirs.p99.toFixed(2)} ms | errors ${theirs.errors} |`);
      console.log(`| ours ÷ nginx | ${ratio.toFixed(2)} (target ≥ 0.5) | | |`);
      // What Node itself reaches on this host: node:http answering the same bytes from memory, nothing else.
      const bare = await startBareNode(root);
      try {
        const node = await hammer(bare.base, urls, SECONDS);
        console.log(JSON.stringify({ bare_node: node }));
        console.log(`| bare node:http, the same bytes from memory | ${Math.round(node.rps)} req/s | p50 ${node.p50.toFixed(2)} ms, p99 ${node.p99.toFixed(2)} ms `
          + `| errors ${node.errors} | ÷ nginx ${(node.rps / theirs.rps).toFixed(2)}; ours ÷ bare node ${(ours.rps / node.rps).toFixed(2)} |`);
      } finally {
        await bare.stop();
      }
    } finally {
      await ng.stop();
    }
  } finally {
    await srv?.stop();
    await couch.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });

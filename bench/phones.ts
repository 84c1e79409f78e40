// Benchmark: desk phones fetching their configs. The server runs as its own process (as `npm start`
// does) on the embedded CouchDB; this process seeds Kazoo-shaped tenants and plays the phones.
//
//   npx tsx bench/phones.ts [--accounts 50] [--devices 10] [--cold 200] [--seconds 10] [--concurrency 32] [--index-interval 1000]
//
// Reports: cold render latency (first fetch of a device: index → Kazoo docs → render), warm fetch
// throughput and latency (cache hit), and CouchDB requests per warm fetch (from /metrics).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import nano from 'nano';
import { startEmbeddedCouch, freePort } from '../server/couch/embedded.js';
import { accountDbOf, kazooAccountDoc, kazooDeviceDoc, kazooUserDoc } from '../server/kazoo/docs.js';
import { arg, percentile, waitUntil } from './util.js';

const ACCOUNTS = arg('accounts', 50);
const DEVICES = arg('devices', 10);
const COLD = arg('cold', 200);
const SECONDS = arg('seconds', 10);
const CONCURRENCY = arg('concurrency', 32);
// The MAC index's sweep reads CouchDB every interval; a long one keeps it out of the warm window.
const INDEX_INTERVAL = arg('index-interval', 1000);
const PASS = 'bench-url-pass';

// The seeded models a phone of each brand is given, and the file it asks for.
const MODELS = [
  { brand: 'yealink', family: 't4x', model: 't46s', oui: '805ec0', file: (m: string) => `${m}.cfg` },
  { brand: 'snom', family: 'dxxx', model: 'd785', oui: '000413', file: (m: string) => `${m}.xml` },
  { brand: 'polycom', family: 'vvx', model: 'vvx450', oui: '0004f2', file: (m: string) => `${m}-settings.cfg` },
  { brand: 'grandstream', family: 'gxp21xx', model: 'gxp2170', oui: '000b82', file: (m: string) => `cfg${m}.xml` },
  { brand: 'mitel', family: '68xx', model: '6867i', oui: '00085d', file: (m: string) => `${m.toUpperCase()}.cfg` },
];

interface Phone { url: string }

export async function seed(couchUrl: string, prefix: string, accounts: number, devicesPer: number): Promise<Phone[]> {
  const server = nano(couchUrl);
  const phones: Array<{ path: string }> = [];
  const accountsDb = `${prefix}accounts`;
  await server.db.create(accountsDb).catch(() => {});
  const accountDocs = [];
  for (let a = 0; a < accounts; a++) {
    const id = randomBytes(16).toString('hex');
    const account = kazooAccountDoc({ id, name: `Bench ${a}`, realm: `bench${a}.sip.example.com`,
      provision: { provision_enabled: true, urlpass: PASS, admin_password: 'bench-admin' } }, prefix);
    accountDocs.push(account);
    const dbName = prefix + accountDbOf(id);
    await server.db.create(dbName);
    const users = [0, 1].map((u) => kazooUserDoc({ id: randomBytes(16).toString('hex'), accountId: id, first: 'User', last: `${a}-${u}`,
      presenceId: String(1000 + u) }, prefix));
    const docs: Record<string, unknown>[] = [account, ...users];
    for (let d = 0; d < devicesPer; d++) {
      const m = MODELS[(a * devicesPer + d) % MODELS.length];
      const mac = m.oui + randomBytes(3).toString('hex');
      docs.push(kazooDeviceDoc({ id: randomBytes(16).toString('hex'), accountId: id, name: `Phone ${d}`, mac,
        username: `user_${randomBytes(5).toString('hex')}`, password: randomBytes(9).toString('base64url'), ownerId: users[0]._id as string,
        brand: m.brand, family: m.family, model: m.model,
        comboKeys: { 0: { type: 'line' }, 1: { type: 'presence', value: users[1]._id }, 2: { type: 'speed_dial', value: '5551234' } } }, prefix));
      phones.push({ path: `/prov/${m.brand}/${m.file(mac)}?pass=${PASS}` });
    }
    await server.use(dbName).bulk({ docs });
  }
  await server.use(accountsDb).bulk({ docs: accountDocs });
  return phones.map((p) => ({ url: p.path }));
}

export async function startServerProcess(couchUrl: string, dataDir: string, prefix: string, extraEnv: Record<string, string> = {},
  opts: { nodeArgs?: string[]; port?: number } = {}) {
  const port = opts.port ?? await freePort();
  const nodeArgs = opts.nodeArgs ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, COUCHDB_URL: couchUrl, DATA_DIR: dataDir, DB_PREFIX: prefix, KAZOO_DB_PREFIX: prefix, PORT: String(port),
      HOST: '127.0.0.1', LOG_LEVEL: 'warn', PROVISION_ADMIN_TOKEN: randomBytes(24).toString('hex'), ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${base}/healthz`).then((r) => r.status).catch(() => 0)) === 200, 60000, 'server');
  return { base, pid: child.pid!, stop: () => new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) { r(); return; } // already gone (failed to start)
    child.on('exit', () => r());
    child.kill('SIGTERM');
  }) };
}

/** The sum of a metric's series on /metrics. */
export async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-bench-phones-'));
  const couch = await startEmbeddedCouch(join(dataDir, 'couch'));
  const prefix = 'bench_';
  const t0 = Date.now();
  const phones = await seed(couch.url, prefix, ACCOUNTS, DEVICES);
  console.log(`seeded ${ACCOUNTS} accounts × ${DEVICES} devices in ${Date.now() - t0} ms`);
  const srv = await startServerProcess(couch.url, join(dataDir, 'server'), prefix, { INDEX_INTERVAL_MS: String(INDEX_INTERVAL) });
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000, pipelining: 1 });
  const get = async (url: string) => {
    const t = performance.now();
    const res = await request(`${srv.base}${url}`, { dispatcher: agent });
    await res.body.arrayBuffer();
    return { status: res.statusCode, ms: performance.now() - t };
  };
  try {
    const indexStart = Date.now();
    await waitUntil(async () => (await metric(srv.base, 'provision_mac_index_macs')) >= phones.length, 120000, 'MAC index');
    console.log(`MAC index caught up with ${phones.length} devices within ${Date.now() - indexStart} ms of start`);

    // Cold: each device's first fetch, one at a time.
    const cold: number[] = [];
    let coldErrors = 0;
    for (const p of phones.slice(0, Math.min(COLD, phones.length))) {
      const r = await get(p.url);
      if (r.status !== 200) coldErrors++;
      cold.push(r.ms);
    }
    // Warm every device, let the background work the cold phase caused (first-contact writes waking
    // the change feeds) die down, then hammer.
    for (const p of phones) await get(p.url);
    let settled = await metric(srv.base, 'provision_couchdb_requests_total');
    for (let quiet = 0, tries = 0; quiet < 2 && tries < 40; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await metric(srv.base, 'provision_couchdb_requests_total');
      quiet = now === settled ? quiet + 1 : 0;
      settled = now;
    }
    const before = await metric(srv.base, 'provision_couchdb_requests_total');
    const warm: number[] = [];
    let errors = 0;
    const deadline = performance.now() + SECONDS * 1000;
    let i = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const r = await get(phones[i++ % phones.length].url);
        if (r.status !== 200) errors++;
        warm.push(r.ms);
      }
    }));
    const after = await metric(srv.base, 'provision_couchdb_requests_total');
    const result = {
      devices: phones.length,
      cold: { n: cold.length, errors: coldErrors, p50: percentile(cold, 50), p95: percentile(cold, 95), p99: percentile(cold, 99) },
      warm: { requests: warm.length, errors, rps: Math.round(warm.length / SECONDS), p50: percentile(warm, 50), p95: percentile(warm, 95),
        p99: percentile(warm, 99), couch_requests: after - before, couch_per_request: (after - before) / warm.length },
    };
    console.log(JSON.stringify(result));
    console.log(`| cold render (first fetch) | ${result.cold.n} fetches | median ${result.cold.p50.toFixed(1)} ms, p95 ${result.cold.p95.toFixed(1)} ms | errors ${coldErrors} |`);
    console.log(`| warm fetch | ${result.warm.rps} req/s (${CONCURRENCY} concurrent, ${SECONDS} s) | p50 ${result.warm.p50.toFixed(2)} ms, p99 ${result.warm.p99.toFixed(2)} ms | errors ${errors}, CouchDB requests ${result.warm.couch_requests} (${result.warm.couch_per_request.toFixed(4)} per fetch, background work included: index sweep every ${INDEX_INTERVAL} ms, change-feed long polls) |`);
  } finally {
    await agent.close();
    await srv.stop();
    await couch.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => { console.error(err); process.exit(1); });
}

// Benchmark: size. Many Kazoo accounts and devices generated into CouchDB, then the server (its own
// process, as `npm start`) builds its MAC index from empty. Reports the time to build it, the server's
// memory (RSS), MAC lookup latency (Kazoo's in-use check, GET /api/devices/search/:mac: an HTTP round
// trip around the in-memory index lookup), and how long a device change takes to reach the phone's file.
//
//   npx tsx bench/scale.ts [--accounts 200] [--devices 2000] [--lookups 5000] [--changes 5] [--kazoo-in-memory] [--index-interval 1000]
//   npx tsx bench/scale.ts --accounts 10000 --devices 100000     # the size
//   npx tsx bench/scale.ts --apache --accounts 10000 --devices 100000 --changes 20
//
// --apache runs everything on Apache CouchDB 3.5 (one node, from ../shared/couchdb/, extracted and
// started for the run), where the MAC index follows _db_updates; without it, on the embedded server.
// Both report the server's background CPU once it is idle (--idle-seconds, 60).
//
// Kazoo's databases go to a second embedded server, in memory, with --kazoo-in-memory or above
// 3,000 accounts: the disk-backed one keeps several files open per database and this machine allows
// 20,000 open files. Ours (catalog, state) stay on disk. In production Kazoo's CouchDB is another
// cluster anyway.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import nano from 'nano';
import { startEmbeddedCouch } from '../server/couch/embedded.js';
import { accountDbOf, kazooAccountDoc, kazooDeviceDoc, kazooUserDoc } from '../server/kazoo/docs.js';
import { startServerProcess, metric } from './phones.js';
import { startCouchNode } from '../test/apache-couchdb.js';
import { arg, percentile, waitUntil } from './util.js';

const ACCOUNTS = arg('accounts', 200);
const DEVICES = arg('devices', 2000);
const LOOKUPS = arg('lookups', 5000);
const CHANGES = arg('changes', 5);
/** The index sweep's interval (INDEX_INTERVAL_MS); the operations guide suggests more than 1 s for thousands of accounts. */
const INDEX_INTERVAL = arg('index-interval', 1000);
const PASS = 'bench-url-pass';
const TOKEN = randomBytes(24).toString('hex');
const APACHE = process.argv.includes('--apache');
const KAZOO_IN_MEMORY = !APACHE && (process.argv.includes('--kazoo-in-memory') || ACCOUNTS > 3000);
const IDLE_SECONDS = arg('idle-seconds', 60);

interface Device { accountId: string; dbName: string; id: string; mac: string }

async function seed(couchUrl: string, prefix: string): Promise<Device[]> {
  const server = nano(couchUrl);
  const accountsDb = `${prefix}accounts`;
  await server.db.create(accountsDb).catch(() => {});
  const devices: Device[] = [];
  const perAccount = Math.ceil(DEVICES / ACCOUNTS);
  let next = 0;
  const accountDocs: Record<string, unknown>[] = [];
  // A few accounts at a time: CouchDB (here the embedded one) is the bottleneck, not this loop.
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let a = next++; a < ACCOUNTS; a = next++) {
      const id = randomBytes(16).toString('hex');
      const account = kazooAccountDoc({ id, name: `Scale ${a}`, realm: `scale${a}.sip.example.com`,
        provision: { provision_enabled: true, urlpass: PASS } }, prefix);
      accountDocs.push(account);
      const dbName = prefix + accountDbOf(id);
      await server.db.create(dbName);
      const user = kazooUserDoc({ id: randomBytes(16).toString('hex'), accountId: id, first: 'U', last: `${a}`, presenceId: '1000' }, prefix);
      const docs: Record<string, unknown>[] = [account, user];
      for (let d = 0; d < perAccount && a * perAccount + d < DEVICES; d++) {
        // Sequential, not random: a duplicate MAC in two accounts would (rightly) be served to neither.
        const mac = '805ec0' + (a * perAccount + d + 1).toString(16).padStart(6, '0');
        const devId = randomBytes(16).toString('hex');
        docs.push(kazooDeviceDoc({ id: devId, accountId: id, name: `P${d}`, mac, username: `user_${randomBytes(5).toString('hex')}`,
          password: randomBytes(9).toString('base64url'), ownerId: user._id as string, brand: 'yealink', family: 't4x', model: 't46s' }, prefix));
        devices.push({ accountId: id, dbName, id: devId, mac });
      }
      await server.use(dbName).bulk({ docs });
    }
  }));
  for (let i = 0; i < accountDocs.length; i += 1000) await server.use(accountsDb).bulk({ docs: accountDocs.slice(i, i + 1000) });
  return devices;
}

/** CPU seconds (user + system) the process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz on Linux)
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-bench-scale-'));
  const couch = APACHE ? await startCouchNode() : await startEmbeddedCouch(join(dataDir, 'couch'));
  const kazooCouch = KAZOO_IN_MEMORY ? await startEmbeddedCouch(join(dataDir, 'kazoo'), { inMemory: true }) : couch;
  console.log(APACHE ? 'database: Apache CouchDB 3.5 (one node)' : 'database: the embedded server (pouchdb-server)');
  const prefix = 'scale_';
  let srv: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  try {
    let t = Date.now();
    const devices = await seed(kazooCouch.url, prefix);
    console.log(`seeded ${ACCOUNTS} accounts, ${devices.length} devices in ${((Date.now() - t) / 1000).toFixed(1)} s`
      + (KAZOO_IN_MEMORY ? ' (Kazoo\'s databases in an in-memory embedded server)' : ''));

    t = Date.now();
    srv = await startServerProcess(couch.url, join(dataDir, 'server'), prefix, { PROVISION_ADMIN_TOKEN: TOKEN, PROBE_LIMIT: '10000',
      KAZOO_COUCHDB_URL: kazooCouch.url, INDEX_INTERVAL_MS: String(INDEX_INTERVAL) });
    const healthy = Date.now() - t;
    await waitUntil(async () => (await metric(srv!.base, 'provision_mac_index_macs')) >= devices.length, 1_800_000, 'MAC index');
    const built = Date.now() - t;
    const rss = rssMb(srv.pid);
    console.log(`MAC index of ${devices.length} MACs built from empty in ${(built / 1000).toFixed(1)} s (server healthy after ${(healthy / 1000).toFixed(1)} s); server RSS ${rss} MB`);

    const agent = new Agent({ connections: 8 });
    const lat: number[] = [];
    let errors = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const d = devices[(i * 7919) % devices.length];
      const t0 = performance.now();
      const res = await request(`${srv.base}/api/devices/search/${d.mac}`, { dispatcher: agent, headers: { 'x-auth-token': TOKEN } });
      await res.body.dump();
      lat.push(performance.now() - t0);
      if (res.statusCode !== 200) errors++;
    }
    console.log(`MAC lookup over HTTP (${LOOKUPS} sequential): p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms, errors ${errors}`);

    // An idle server: nothing asks it anything; what it spends is the change following alone.
    await new Promise((r) => setTimeout(r, 5000));
    const cpu0 = cpuSeconds(srv.pid);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idleCpu = (cpuSeconds(srv.pid) - cpu0) / IDLE_SECONDS;
    console.log(`idle server with ${ACCOUNTS} accounts: ${(idleCpu * 100).toFixed(2)} % of one core over ${IDLE_SECONDS} s`);

    // Device changes: from the write in Kazoo's database to the new password in the phone's file,
    // found by the index sweep alone, then with the push Kazoo's provisioner_v5 sends after a save.
    const server = nano(kazooCouch.url);
    const change = async (i: number, push: boolean) => {
      const d = devices[(i * 104729 + (push ? 7 : 0)) % devices.length];
      const url = `${srv!.base}/prov/yealink/${d.mac}.cfg?pass=${PASS}`;
      const ua = `Yealink SIP-T46S 66.86.0.15 ${d.mac}`;
      await request(url, { dispatcher: agent, headers: { 'user-agent': ua } }).then((r) => r.body.dump());
      const db = server.use<any>(d.dbName);
      const doc = await db.get(d.id);
      const pw = `changed-${randomBytes(6).toString('hex')}`;
      doc.sip.password = pw;
      const t0 = performance.now();
      await db.insert(doc);
      if (push) {
        const res = await request(`${srv!.base}/api/devices/${d.accountId}/${d.mac}`, { dispatcher: agent, method: 'POST',
          headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' },
          body: JSON.stringify({ create_if_missing: true, generate: true, merge: true, data: { brand: 'yealink', family: 't4x', model: 't46s', name: doc.name } }) });
        await res.body.dump();
      }
      await waitUntil(async () => {
        const r = await request(url, { dispatcher: agent, headers: { 'user-agent': ua } });
        return (await r.body.text()).includes(pw);
      }, 180_000, 'the change in the phone file');
      return performance.now() - t0;
    };
    const reach: number[] = [];
    const pushed: number[] = [];
    for (let i = 0; i < CHANGES; i++) reach.push(await change(i, false));
    for (let i = 0; i < CHANGES; i++) pushed.push(await change(i, true));
    await agent.close();
    console.log(`device change → phone file, index sweep only: median ${percentile(reach, 50).toFixed(0)} ms, max ${Math.max(...reach).toFixed(0)} ms `
      + `(${CHANGES} changes; polled every 200 ms; INDEX_INTERVAL_MS ${INDEX_INTERVAL})`);
    console.log(`device change → phone file, with Kazoo's push: median ${percentile(pushed, 50).toFixed(0)} ms, max ${Math.max(...pushed).toFixed(0)} ms`);
    console.log(JSON.stringify({ database: APACHE ? 'apache-couchdb-3.5' : 'embedded', accounts: ACCOUNTS, devices: devices.length, kazoo_in_memory: KAZOO_IN_MEMORY,
      idle_cpu_pct: +(idleCpu * 100).toFixed(2), index_interval_ms: INDEX_INTERVAL, index_build_s: +(built / 1000).toFixed(1), healthy_s: +(healthy / 1000).toFixed(1),
      rss_mb: rss, rss_after_mb: rssMb(srv.pid), lookup_p50_ms: +percentile(lat, 50).toFixed(2), lookup_p99_ms: +percentile(lat, 99).toFixed(2),
      change_median_ms: Math.round(percentile(reach, 50)), change_max_ms: Math.round(Math.max(...reach)),
      pushed_change_median_ms: Math.round(percentile(pushed, 50)), pushed_change_max_ms: Math.round(Math.max(...pushed)) }));
  } finally {
    await srv?.stop();
    if (kazooCouch !== couch) await kazooCouch.stop();
    await couch.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });

// Benchmark: SessionTalk reprovision (every app foreground calls it) of active installs, against the
// embedded CouchDB. Prints requests/s and latency, and how many SessionTalk documents were written
// meanwhile (must be 0: nothing changed and last_seen was stamped just now).
//
//   npx tsx bench/sessiontalk.ts [--installs 1000] [--requests 20000] [--concurrency 64]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import nano from 'nano';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { startEmbeddedCouch } from '../server/couch/embedded.js';
import { accountDbOf, kazooAccountDoc, kazooDeviceDoc } from '../server/kazoo/docs.js';
import { startServer } from '../server/server.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const INSTALLS = arg('installs', 1000);
const REQUESTS = arg('requests', 20000);
const CONCURRENCY = arg('concurrency', 64);
const ADMIN = randomBytes(24).toString('hex');

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'kp-bench-st-'));
  const couch = await startEmbeddedCouch(dataDir);
  // The server's own log lines are written (to /dev/null), as in production.
  const log = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const cfg = { ...loadConfig({ HOST: '127.0.0.1', PORT: '1' }, []), port: 0, dataDir, adminToken: ADMIN, dbPrefix: 'bench_', kazooDbPrefix: 'bench_' };
  const srv = await startServer(cfg, couch.url, log);
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const get = async (path: string) => {
    const res = await request(`${srv.url}${path}`, { dispatcher: agent });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  const api = async (method: 'PUT' | 'POST', path: string, data: unknown) => {
    const res = await request(`${srv.url}/api/accounts/${path}`, { method, dispatcher: agent,
      headers: { 'x-auth-token': ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ data }) });
    const body = (await res.body.json()) as any;
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(body)}`);
    return body.data;
  };
  try {
    // A Kazoo tenant with one device per install, in the shapes Kazoo writes.
    const server = nano(couch.url);
    const accountId = randomBytes(16).toString('hex');
    const realm = 'bench.sip.example.com';
    await server.db.create('bench_accounts').catch(() => {});
    const accountDb = `bench_${accountDbOf(accountId)}`;
    await server.db.create(accountDb);
    const account = kazooAccountDoc({ id: accountId, name: 'Bench', realm }, 'bench_');
    await server.use('bench_accounts').insert(account as never);
    await server.use(accountDb).insert(account as never);
    const devices = Array.from({ length: INSTALLS }, (_, i) => kazooDeviceDoc({ id: randomBytes(16).toString('hex'), accountId,
      name: `Mobile ${i}`, username: `user_${1000 + i}`, password: randomBytes(12).toString('base64url') }, 'bench_'));
    await server.use(accountDb).bulk({ docs: devices as never[] });
    while (!srv.services.kazoo.account(accountId)) await new Promise((r) => setTimeout(r, 50));
    await api('PUT', `${accountId}/sessiontalk/settings`, { base_domain: 'sip.example.com' });

    // Mint and activate every install.
    const installs: string[] = [];
    for (let i = 0; i < INSTALLS; i += 50) {
      installs.push(...await Promise.all(devices.slice(i, i + 50).map(async (d) => {
        const m = await api('POST', `${accountId}/sessiontalk/codes`, { device_id: d._id });
        const deviceId = randomUUID().toUpperCase();
        const q = `username=${encodeURIComponent(m.username)}&password=${m.code}&deviceId=${deviceId}`;
        const res = await get(`/sessiontalk/provision?${q}&reprovision=false`);
        if (res.body.errmsg !== 'Valid Activation') throw new Error(`activation: ${JSON.stringify(res.body)}`);
        return `/sessiontalk/provision?${q}&reprovision=true`;
      })));
    }
    // One round first, so every install has been served once (as after its activation in real life).
    for (let i = 0; i < installs.length; i += CONCURRENCY) await Promise.all(installs.slice(i, i + CONCURRENCY).map(get));

    const stateDb = srv.app.stateDb;
    const seqBefore = String((await stateDb.info()).update_seq);
    const latencies: number[] = [];
    let next = 0;
    let bad = 0;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const path = installs[next++ % installs.length];
        const t = process.hrtime.bigint();
        const res = await get(path);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (res.status !== 200 || res.body.update !== false || res.body.errmsg !== 'Valid Activation') bad++;
      }
    }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const seqAfter = String((await stateDb.info()).update_seq);
    const changes = await stateDb.changes({ since: seqBefore });
    const writes = changes.results.filter((c) => c.id.startsWith('sessiontalk_')).length;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
    const rate = REQUESTS / seconds;
    console.log('SessionTalk reprovision benchmark (embedded CouchDB, one process for server and client)');
    console.log(`  installs ${INSTALLS}, requests ${REQUESTS}, concurrency ${CONCURRENCY}`);
    console.log(`  throughput     ${rate.toFixed(0)} requests/s (${seconds.toFixed(2)} s)`);
    console.log(`  latency        p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies[latencies.length - 1].toFixed(2)} ms`);
    console.log(`  wrong answers  ${bad}`);
    console.log(`  state DB       update_seq ${seqBefore} → ${seqAfter}; SessionTalk documents written: ${writes}`);
    const okay = rate >= 1000 && writes === 0 && bad === 0;
    console.log(okay ? '  PASS (≥ 1,000 requests/s, no write)' : '  FAIL');
    process.exitCode = okay ? 0 : 1;
  } finally {
    await agent.close();
    await srv.close();
    await couch.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });

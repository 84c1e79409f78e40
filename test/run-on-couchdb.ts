// `npm run test:couchdb [-- files…]`: the mocha suite on Apache CouchDB 3.5 from shared/couchdb/,
// started on a free port for this run and stopped afterwards. Fails when the run left a database
// behind, since every test run must clean up after itself on a shared CouchDB.
import { spawn } from 'node:child_process';
import { startCouchNode } from './apache-couchdb.js';
import { http } from './support.js';

const SYSTEM_DBS = new Set(['_users', '_replicator', '_global_changes']);

async function main(): Promise<number> {
  const started = Date.now();
  const node = await startCouchNode();
  console.log(`Apache CouchDB 3.5 up on 127.0.0.1:${node.port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let code = 1;
  try {
    const files = process.argv.slice(2);
    // The cluster test starts its own three nodes whatever COUCHDB_URL says, and `npm test` runs it
    // already: a second run here would only cost CI a minute.
    const args = files.length ? files : ['test/**/*.test.ts', '--ignore', 'test/couchdb-cluster.test.ts'];
    const child = spawn('npx', ['mocha', ...args], {
      stdio: 'inherit', env: { ...process.env, COUCHDB_URL: node.url },
    });
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    code = await new Promise<number>((done) => child.on('exit', (c, sig) => done(c ?? (sig ? 1 : 0))));
    const dbs: string[] = (await http(`${node.url}/_all_dbs`)).json;
    const left = dbs.filter((d) => !SYSTEM_DBS.has(d));
    if (left.length) {
      console.error(`The run left ${left.length} database(s) behind on Apache CouchDB: ${left.slice(0, 10).join(', ')}`);
      code = code || 1;
    } else {
      console.log('Apache CouchDB: no database left behind.');
    }
  } finally {
    await node.stop();
  }
  return code;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

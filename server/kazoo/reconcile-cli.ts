// `npm run reconcile`: rebuilds the MAC index from Kazoo's databases (see reconcile.ts). With the
// embedded CouchDB, stop `npm start` first, or call POST /api/reconcile on the running server.
import { loadCliConfig, runCli, withCouch } from '../cli.js';
import { KazooDirectory } from './directory.js';
import { reconcile } from './reconcile.js';

runCli('reconcile', async (argv) => withCouch(loadCliConfig(argv), async (app) => {
  const kazoo = new KazooDirectory(app);
  await kazoo.start();
  try {
    const r = await reconcile(app, kazoo);
    process.stdout.write(`accounts read: ${r.accounts}, devices with a MAC: ${r.devices}\n`
      + `index entries created: ${r.created}, updated: ${r.updated}, removed: ${r.removed}\n`
      + `MACs claimed by several accounts (nothing served): ${r.conflicts.length ? r.conflicts.join(' ') : 'none'}\n`
      + (r.unreadable.length ? `account databases missing: ${r.unreadable.join(' ')}\n` : ''));
    return 0;
  } finally {
    await kazoo.stop();
  }
}));

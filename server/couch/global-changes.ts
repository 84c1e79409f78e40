// Apache CouchDB answers _db_updates (how the MAC index learns which of Kazoo's account databases
// changed) only when the `_global_changes` system database exists, and a node set up by hand
// often lacks it. Setup creates it where it may; pouchdb-server has no such feed and is skipped.
import type { ServerScope } from 'nano';
import { ensureDb, statusOf } from './client.js';

export type GlobalChangesOutcome = 'created' | 'exists' | 'skipped (not Apache CouchDB)' | 'not created: needs a server admin';

export async function ensureGlobalChanges(server: ServerScope): Promise<GlobalChangesOutcome> {
  const welcome = (await server.relax({ path: '', method: 'GET' })) as { couchdb?: unknown };
  if (!welcome.couchdb) return 'skipped (not Apache CouchDB)';
  try {
    return (await ensureDb(server, '_global_changes')) ? 'created' : 'exists';
  } catch (err) {
    if (statusOf(err) === 401 || statusOf(err) === 403) return 'not created: needs a server admin';
    throw err;
  }
}

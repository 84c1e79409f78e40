// Backup and restore of our databases (catalog and state) as JSON files, as the original's
// setup.php did. Every document is kept, design documents included, without `_rev`: a restore
// writes the backup's content over whatever revision the target holds, so it works into empty
// databases, into the same ones, and as often as wanted (a second restore writes nothing).
// Kazoo's own databases are not ours to back up: that is a CouchDB-level job for Kazoo's operator.
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentScope } from 'nano';
import type { AppContext } from './context.js';
import { ensureDb, bulkInChunks } from './couch/client.js';
import { docsByPrefix } from './couch/pages.js';
import { FIRMWARE_PREFIX } from './firmware/catalog.js';

export const BACKUP_FORMAT = 'kazoo-provision-backup';
const ROLES = ['catalog', 'state'] as const;
type Role = typeof ROLES[number];
type Doc = Record<string, unknown> & { _id: string };

const PAGE = 1000;

export interface BackupReport { [role: string]: { database: string; file: string; docs: number } }
export interface RestoreReport { [role: string]: { database: string; created: number; updated: number; unchanged: number } }

/**
 * One database's documents, page by page, with attachments inlined (rare in our databases). Firmware
 * images are left out: hundreds of megabytes of base64 in one JSON line would not fit in memory, and
 * they are the vendors' files, uploaded again after a restore (docs/firmware.md).
 */
async function* allDocs(db: DocumentScope<any>): AsyncGenerator<Doc> {
  for await (const doc of docsByPrefix<Doc>(db, '', PAGE)) {
    if (doc._id.startsWith(FIRMWARE_PREFIX)) continue;
    yield doc._attachments ? await db.get(doc._id, { attachments: true }) as Doc : doc;
  }
}

function withoutRev(doc: Doc): Doc {
  const { _rev, ...rest } = doc;
  void _rev;
  return rest as Doc;
}

/** Key-order-independent form, to tell an unchanged document from a changed one. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).filter((k) => k !== '_rev').sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const fileOf = (dir: string, role: Role) => join(dir, `${role}.json`);

/** Writes `catalog.json` and `state.json` into dir (created with mode 0700: the state holds credentials). */
export async function backup(app: AppContext, dir: string): Promise<BackupReport> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const report: BackupReport = {};
  for (const role of ROLES) {
    const db = role === 'catalog' ? app.catalogDb : app.stateDb;
    const file = fileOf(dir, role);
    const out = createWriteStream(file, { mode: 0o600 });
    const write = (s: string) => new Promise<void>((res, rej) => out.write(s, (err) => (err ? rej(err) : res())));
    // Streamed one document a line, so a state database of 100,000 MACs never sits in memory twice.
    await write(`{"format":${JSON.stringify(BACKUP_FORMAT)},"version":1,"role":${JSON.stringify(role)},`
      + `"database":${JSON.stringify(app.names[role])},"docs":[\n`);
    let n = 0;
    for await (const doc of allDocs(db)) {
      await write((n ? ',\n' : '') + JSON.stringify(withoutRev(doc)));
      n++;
    }
    await write('\n]}\n');
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    report[role] = { database: app.names[role], file, docs: n };
  }
  return report;
}

export class BackupError extends Error {}

function readBackup(dir: string, role: Role): Doc[] {
  const file = fileOf(dir, role);
  let parsed: { format?: string; role?: string; docs?: Doc[] };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BackupError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not readable (${(err as Error).message})`}`);
  }
  if (parsed.format !== BACKUP_FORMAT || parsed.role !== role || !Array.isArray(parsed.docs)) {
    throw new BackupError(`${file}: not a kazoo-provision ${role} backup`);
  }
  for (const d of parsed.docs) if (!d || typeof d._id !== 'string') throw new BackupError(`${file}: a document without _id`);
  return parsed.docs;
}

/** Loads a backup into our databases (created when missing); documents not in the backup are left alone. */
export async function restore(app: AppContext, dir: string): Promise<RestoreReport> {
  // Both files are read and checked before anything is written.
  const docsOf = { catalog: readBackup(dir, 'catalog'), state: readBackup(dir, 'state') };
  const report: RestoreReport = {};
  for (const role of ROLES) {
    await ensureDb(app.couch.server, app.names[role]);
    const db = role === 'catalog' ? app.catalogDb : app.stateDb;
    const r = { database: app.names[role], created: 0, updated: 0, unchanged: 0 };
    const docs = docsOf[role];
    for (let i = 0; i < docs.length; i += 500) {
      await restoreBatch(db, docs.slice(i, i + 500), r);
    }
    report[role] = r;
  }
  return report;
}

async function restoreBatch(db: DocumentScope<any>, batch: Doc[], r: { created: number; updated: number; unchanged: number }): Promise<void> {
  // A few rounds, in case something (a running instance) writes the same document meanwhile.
  let pending = batch;
  for (let round = 0; round < 5 && pending.length; round++) {
    const current = await db.fetch({ keys: pending.map((d) => d._id) }, { conflicts: false } as never);
    const byId = new Map<string, Doc>();
    for (const row of current.rows as Array<{ id?: string; doc?: Doc | null }>) if (row.doc) byId.set(row.doc._id, row.doc);
    const writes: Doc[] = [];
    for (const doc of pending) {
      const have = byId.get(doc._id);
      if (have && canonical(have) === canonical(doc)) { r.unchanged++; continue; }
      writes.push(have ? { ...doc, _rev: have._rev } : doc);
    }
    if (!writes.length) return;
    const results = await bulkInChunks(db, writes);
    const retry = new Set<string>();
    for (const [i, res] of results.entries()) {
      if (!res.error) { if (writes[i]._rev) r.updated++; else r.created++; continue; }
      if (res.error === 'conflict') { retry.add(writes[i]._id); continue; }
      throw new BackupError(`restoring ${writes[i]._id}: ${res.error} (${res.reason})`);
    }
    pending = pending.filter((d) => retry.has(d._id));
  }
  if (pending.length) throw new BackupError(`restoring ${pending[0]._id}: kept conflicting with another writer`);
}

export function describeBackup(r: BackupReport): string[] {
  return Object.entries(r).map(([role, x]) => `backup ${role} (${x.database}): ${x.docs} documents → ${x.file}`);
}

export function describeRestore(r: RestoreReport): string[] {
  return Object.entries(r).map(([role, x]) => `restore ${role} (${x.database}): ${x.created} created, ${x.updated} updated, ${x.unchanged} unchanged`);
}

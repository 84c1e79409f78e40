// Rebuilds the MAC index from Kazoo's databases: reads every account's devices, compares with the
// stored index, writes only the differences and resets the checkpoints. Running servers never see
// an empty index in between (they follow the state database).
import type { AppContext } from '../context.js';
import { statusOf } from '../couch/client.js';
import type { KazooDirectory, KazooDevice } from './directory.js';
import { normalizeMac } from './mac.js';
import type { MacEntry } from './mac-index.js';
import { docsByPrefix } from '../couch/pages.js';

export interface ReconcileReport { accounts: number; devices: number; created: number; updated: number; removed: number; conflicts: string[]; unreadable: string[] }

export async function reconcile(app: AppContext, kazoo: KazooDirectory): Promise<ReconcileReport> {
  const truth = new Map<string, MacEntry[]>();
  const seqs = new Map<string, string>();
  const report: ReconcileReport = { accounts: 0, devices: 0, created: 0, updated: 0, removed: 0, conflicts: [], unreadable: [] };
  const queue = await kazoo.readAccountIds();
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const db = kazoo.accountDb(id);
      try {
        const info = await db.info();
        const all = await db.list({ include_docs: true });
        seqs.set(id, String(info.update_seq));
        report.accounts++;
        for (const row of all.rows as Array<{ doc?: KazooDevice & { _rev: string; pvt_created?: number } }>) {
          const d = row.doc;
          const mac = d && d.pvt_type === 'device' && !d.pvt_deleted ? normalizeMac(d.mac_address) : null;
          if (!d || !mac) continue;
          report.devices++;
          const list = truth.get(mac) || [];
          list.push({ account_id: id, device_id: d._id, rev: d._rev, created: Number(d.pvt_created) || 0 });
          truth.set(mac, list);
        }
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
        report.unreadable.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  const storedByMac = new Map<string, { mac: string; entries: MacEntry[]; _id: string; _rev: string }>();
  for await (const doc of docsByPrefix<{ mac: string; entries: MacEntry[]; _rev: string }>(app.stateDb, 'mac:')) storedByMac.set(doc.mac, doc);
  const writes: Record<string, unknown>[] = [];
  for (const [mac, entries] of truth) {
    entries.sort((a, b) => a.created - b.created || a.device_id.localeCompare(b.device_id));
    const accounts = [...new Set(entries.map((e) => e.account_id))].sort();
    if (accounts.length > 1) report.conflicts.push(mac);
    const current = storedByMac.get(mac);
    if (current && JSON.stringify(current.entries) === JSON.stringify(entries)) continue;
    writes.push({ _id: `mac:${mac}`, pvt_type: 'mac_index', mac, entries, account_ids: accounts, ...(current ? { _rev: current._rev } : {}) });
    if (current) report.updated++; else report.created++;
  }
  for (const [mac, doc] of storedByMac) {
    if (!truth.has(mac)) { writes.push({ _id: doc._id, _rev: doc._rev, _deleted: true }); report.removed++; }
  }
  // nano refuses a fetch of no keys ("Invalid parameters"): no account read, no checkpoint to write.
  const seqDocs = seqs.size ? await app.stateDb.fetch({ keys: [...seqs.keys()].map((a) => `seq:${a}`) }) : { rows: [] };
  [...seqs.entries()].forEach(([accountId, seq], i) => {
    const cur = (seqDocs.rows[i] as { doc?: { _rev: string; seq: string } | null }).doc;
    if (cur?.seq === seq) return;
    writes.push({ _id: `seq:${accountId}`, pvt_type: 'mac_index_checkpoint', account_id: accountId, seq, ...(cur ? { _rev: cur._rev } : {}) });
  });
  await writeAll(app, writes);
  return report;
}

const ROUNDS = 5;

/**
 * Writes what the truth says over whatever is stored. A conflict means a running instance's sweep (or
 * another rebuild) wrote the same document meanwhile: take its revision and write the truth again, or
 * drop the write when the stored document already says the same.
 */
async function writeAll(app: AppContext, writes: Record<string, unknown>[]): Promise<void> {
  let pending = writes;
  for (let round = 0; pending.length && round < ROUNDS; round++) {
    const conflicted: Record<string, unknown>[] = [];
    for (let i = 0; i < pending.length; i += 1000) {
      const batch = pending.slice(i, i + 1000);
      const res = await app.stateDb.bulk({ docs: batch });
      const failed = res.filter((r) => r.error);
      const other = failed.find((r) => r.error !== 'conflict');
      if (other) throw new Error(`index not written for ${failed.length} documents (e.g. ${other.id}: ${other.error}); run it again`);
      const ids = new Set(failed.map((r) => r.id));
      conflicted.push(...batch.filter((d) => ids.has(d._id as string)));
    }
    if (!conflicted.length) return;
    const current = await app.stateDb.fetch({ keys: conflicted.map((d) => d._id as string) });
    pending = [];
    conflicted.forEach((want, i) => {
      const row = current.rows[i] as { doc?: Record<string, unknown> | null; value?: { deleted?: boolean } };
      const doc = row.doc;
      if (want._deleted) { if (doc) pending.push({ ...want, _rev: doc._rev }); return; }
      if (doc && sameContent(doc, want)) return;
      const { _rev: _old, ...rest } = want;
      pending.push(doc ? { ...rest, _rev: doc._rev } : rest);
    });
  }
  if (pending.length) throw new Error(`index documents kept changing under the rebuild (e.g. ${String(pending[0]._id)}); run it again`);
}

function sameContent(stored: Record<string, unknown>, want: Record<string, unknown>): boolean {
  return Object.keys(want).every((k) => k === '_rev' || JSON.stringify(stored[k]) === JSON.stringify(want[k]));
}

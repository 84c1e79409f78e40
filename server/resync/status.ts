// Which phones of a resync fetched the new file: the phone's last fetch (its sighting, with the ETag
// served) is after the resync reached it, and that ETag is the one the file has now.
import { normalizeMac } from '../kazoo/mac.js';
import type { FileResolver } from '../phones/files.js';
import type { Sighting } from '../phones/sightings.js';
import type { Services } from '../services.js';
import { effectiveState, type ResyncJob } from './job.js';

export interface ItemStatus {
  device_id: string; name?: string; mac: string | null; sent_at: number | null;
  /** sent: Kazoo took the request; failed: Kazoo refused it; unknown: claimed but the send was cut short. */
  request: 'waiting' | 'sent' | 'failed' | 'unknown'; message?: string;
  last_fetched_at: number | null; fetched_after_resync: boolean; etag_current: boolean | null; has_new_file: boolean;
}

/** The ETag the phone would be served now for the file it last fetched (null: cannot tell). */
export async function currentEtag(s: Services, resolver: FileResolver, brand: string, mac: string, file: string): Promise<string | null> {
  const req = resolver.resolve(brand, file);
  if (req.kind !== 'device' || req.mac !== mac) return null;
  const served = await s.phoneFiles.device(brand, mac, req.pattern);
  return served.ok ? served.rendered.etag : null;
}

export async function jobStatus(s: Services, resolver: FileResolver, job: ResyncJob) {
  const macs = job.items.map((i) => normalizeMac(i.mac)).filter((m): m is string => !!m);
  const seen = new Map<string, Sighting>();
  if (macs.length) {
    const res = await s.app.stateDb.fetch({ keys: macs.map((m) => `seen:${m}`) });
    for (const row of res.rows as Array<{ doc?: { mac: string; account_id: string; last?: Sighting } | null }>) {
      if (row.doc?.last && row.doc.account_id === job.account_id) seen.set(row.doc.mac, row.doc.last);
    }
  }
  const items: ItemStatus[] = [];
  for (const i of job.items) {
    const last = i.mac ? seen.get(i.mac) : undefined;
    const after = !!(i.sent_at && last && last.at >= i.sent_at);
    const etag = last?.etag && i.mac && i.brand ? await currentEtag(s, resolver, i.brand, i.mac, last.file) : null;
    const etagCurrent = etag && last?.etag ? last.etag === etag : null;
    items.push({ device_id: i.device_id, name: i.name, mac: i.mac, sent_at: i.sent_at ?? null,
      request: !i.sent_at ? 'waiting' : i.result || 'unknown', ...(i.message ? { message: i.message } : {}),
      last_fetched_at: last?.at ?? null, fetched_after_resync: after, etag_current: etagCurrent, has_new_file: after && etagCurrent === true });
  }
  const count = (f: (i: ItemStatus) => boolean) => items.filter(f).length;
  return {
    job_id: job.job_id, scope: job.scope, state: effectiveState(job, s.app.now()), created_at: job.created_at, created_by: job.created_by,
    per_minute: job.per_minute, ...(job.note ? { note: job.note } : {}),
    summary: { total: items.length, sent: count((i) => i.request === 'sent'), failed: count((i) => i.request === 'failed'),
      waiting: count((i) => i.request === 'waiting'), fetched_new_file: count((i) => i.has_new_file) },
    items,
  };
}

// `setup --kazoo-config`: points Kazoo's provisioner_v5 at us by merging two keys into the `default`
// section of Kazoo's system_config docs. Every other key (node sections, feature/combo key maps,
// allow_not_unique_mac_address, …) stays as it is: the original project overwrote crossbar.devices
// wholesale and enabled non-unique MACs cluster-wide; we never do either.
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { sameContent } from '../couch/design-docs.js';

// Kazoo 5.x reads the type from crossbar.devices first, then provisioner, and the URL from
// provisioner; Kazoo 4.3 reads both from crossbar.devices. Writing both docs serves both releases.
export const CONFIG_DOCS = ['provisioner', 'crossbar.devices'] as const;

export class ProvisionerUrlError extends Error {}

/** The URL Kazoo (and Monster UI's api.provisioner) will prefix every call with. */
export function checkProvisionerUrl(raw: string | undefined): string {
  if (!raw) throw new ProvisionerUrlError('--kazoo-config needs --provisioner-url, e.g. --provisioner-url https://prov.example.com/api/');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ProvisionerUrlError(`--provisioner-url "${raw}" is not a URL; e.g. https://prov.example.com/api/`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ProvisionerUrlError(`--provisioner-url must start with http:// or https://; got "${raw}"`);
  if (u.username || u.password) throw new ProvisionerUrlError('--provisioner-url must not carry credentials: Kazoo sends its users\' tokens instead');
  if (u.search || u.hash) throw new ProvisionerUrlError(`--provisioner-url must not have a query string or fragment; got "${raw}"`);
  // Monster UI builds request URLs by plain concatenation, so a missing slash breaks every call.
  if (!raw.endsWith('/')) throw new ProvisionerUrlError(`--provisioner-url must end with "/" (Monster UI appends paths to it as is); did you mean "${raw}/"?`);
  return raw;
}

export interface ConfigChange { doc: string; key: string; from: unknown; to: unknown }
export interface ConfigMergeReport { changes: ConfigChange[]; written: string[]; dryRun: boolean }

export function wanted(url: string): Record<string, unknown> {
  return { provisioning_type: 'provisioner_v5', provisioning_url: url };
}

export async function mergeKazooConfig(app: AppContext, url: string, opts: { dryRun?: boolean } = {}): Promise<ConfigMergeReport> {
  const dbName = app.names.kazooSystemConfig;
  const db = app.kazooCouch.server.use<Record<string, unknown>>(dbName);
  try {
    await db.info();
  } catch (err) {
    if (statusOf(err) === 404) {
      throw new Error(`Kazoo's ${dbName} database is not on ${app.kazooCouch.label}; set KAZOO_COUCHDB_URL to the CouchDB Kazoo uses`);
    }
    throw err;
  }
  const report: ConfigMergeReport = { changes: [], written: [], dryRun: !!opts.dryRun };
  for (const id of CONFIG_DOCS) {
    const current = await getOrNull<Record<string, unknown>>(db, id);
    const base = (current ?? { _id: id }) as Record<string, unknown>;
    const defaults = (base.default && typeof base.default === 'object' ? base.default : {}) as Record<string, unknown>;
    const next = { ...base, default: { ...defaults, ...wanted(url) } };
    for (const [key, to] of Object.entries(wanted(url))) {
      if (defaults[key] !== to) report.changes.push({ doc: id, key: `default.${key}`, from: defaults[key], to });
    }
    if (current && sameContent(current, next)) continue;
    if (!opts.dryRun) {
      await db.insert(next);
      report.written.push(id);
    }
  }
  return report;
}

export function describeMerge(app: AppContext, r: ConfigMergeReport): string[] {
  const db = app.names.kazooSystemConfig;
  const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
  const lines = r.changes.map((c) => `${db}/${c.doc} ${c.key}: ${show(c.from)} -> ${show(c.to)}`);
  if (!r.changes.length) lines.push(`${db}: provisioner_v5 already points at this URL; nothing to change`);
  if (r.dryRun) lines.push('dry run: nothing written');
  else if (r.written.length) {
    lines.push(`written: ${r.written.map((d) => `${db}/${d}`).join(', ')}`);
    // Kazoo caches system_config; a write straight to CouchDB is seen once the cache is flushed.
    lines.push(`Kazoo caches these documents: run \`sup kapps_config flush ${CONFIG_DOCS.join('` and `sup kapps_config flush ')}\` (or wait for the cache to expire)`);
  }
  return lines;
}

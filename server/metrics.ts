// Prometheus metrics (/metrics). One registry per server instance, so tests running several
// in-process servers do not mix their counts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'surface' | 'status'>;
  httpDuration: Histogram<'surface'>;
  renderCache: Counter<'result'>;
  couchRequests: Counter<'target' | 'client'>;
  couchErrors: Counter<'target'>;
  couchProbe: Gauge;
  macIndexSize: Gauge;
  phoneCachesPreloaded: Gauge;
  couchNodeUp: Gauge<'target' | 'node'>;
  couchFailovers: Counter<'target'>;
  bans: Counter;
  activations: Counter<'kind'>;
}

export function createMetrics(defaults = false): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  const m: Metrics = {
    registry,
    httpRequests: new Counter({ name: 'provision_http_requests_total', help: 'HTTP requests by surface and status',
      labelNames: ['surface', 'status'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'provision_http_request_seconds', help: 'HTTP request duration by surface',
      labelNames: ['surface'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    renderCache: new Counter({ name: 'provision_render_cache_total', help: 'Phone file requests by render-cache result (hit, miss, stale)',
      labelNames: ['result'], registers: [registry] }),
    couchRequests: new Counter({ name: 'provision_couchdb_requests_total', help: 'HTTP requests to CouchDB (ours or Kazoo\'s), by client (quick, bulk, or feed: change feeds\' long polls)',
      labelNames: ['target', 'client'], registers: [registry] }),
    couchErrors: new Counter({ name: 'provision_couchdb_errors_total', help: 'CouchDB requests that failed to connect, timed out or got a 5xx',
      labelNames: ['target'], registers: [registry] }),
    couchProbe: new Gauge({ name: 'provision_couchdb_probe_seconds', help: 'Round trip of the last /healthz probe of CouchDB (-1: down)',
      registers: [registry] }),
    macIndexSize: new Gauge({ name: 'provision_mac_index_macs', help: 'MACs in the MAC index', registers: [registry] }),
    phoneCachesPreloaded: new Gauge({ name: 'provision_phone_caches_preloaded',
      help: 'Whether every lock, credential, ban, security setting and device\'s last fetched versions is in memory since the start (1), or phones still read their own (0)', registers: [registry] }),
    couchNodeUp: new Gauge({ name: 'provision_couchdb_node_up', help: 'Whether a listed CouchDB node answers (1) or was failed over (0); only with several nodes',
      labelNames: ['target', 'node'], registers: [registry] }),
    couchFailovers: new Counter({ name: 'provision_couchdb_failovers_total', help: 'CouchDB requests moved to the next listed node',
      labelNames: ['target'], registers: [registry] }),
    bans: new Counter({ name: 'provision_bans_total', help: 'Source IPs banned for probing phone files (written by this instance)',
      registers: [registry] }),
    activations: new Counter({ name: 'provision_sessiontalk_activations_total', help: 'SessionTalk activations created by this instance (kind: new or moved from another install)',
      labelNames: ['kind'], registers: [registry] }),
  };
  return m;
}

/** Which HTTP surface a path belongs to: a label with few values, never the path itself. */
export function surfaceOf(path: string): string {
  if (path.startsWith('/prov/')) return 'phones';
  if (path.startsWith('/sessiontalk') || path.startsWith('/app/sessiontalk')) return 'sessiontalk';
  if (path === '/api/phones' || path === '/api/phones/' || path.startsWith('/api/ui/')) return 'catalog_public';
  if (path.startsWith('/api/')) return 'api';
  if (path.startsWith('/monster-app')) return 'monster_app';
  if (path === '/healthz' || path === '/metrics') return 'ops';
  return 'other';
}

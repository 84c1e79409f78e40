// The whole configuration: defaults < optional JSON file < environment variables, validated once.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  couchdbUrl: string | null;
  dataDir: string;
  kazooCouchdbUrl: string | null;
  kazooApiUrl: string | null;
  dbPrefix: string;
  kazooDbPrefix: string;
  catalogDb: string;
  stateDb: string;
  adminToken: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  logFormat: 'auto' | 'json' | 'pretty';
  couchTimeoutMs: number;
  couchBulkTimeoutMs: number;
  lastGoodDir: string | null;
  trustedProxies: string[];
  defaultTimezone: string;
  defaultLanguage: string;
  ntpServer: string;
  indexIntervalMs: number;
  indexFullSweepMs: number;
  indexDbUpdates: boolean;
  probeLimit: number;
  banMinutes: number;
  failureDelayMs: number;
  resyncPerMinute: number;
  httpsPort: number | null;
  tlsCert: string | null;
  tlsKey: string | null;
  tlsClientCa: string | null;
  auditRetentionDays: number;
  fetchHistoryCount: number;
  fetchBodyDays: number;
  templateRevisionsKept: number;
}

interface KeySpec {
  env: string;
  schema: Record<string, unknown>;
  default: unknown;
  doc: string;
  list?: boolean;
  /** What a valid value looks like, when the schema alone would say it badly. */
  hint?: string;
}

// One CouchDB URL, or several nodes of one cluster separated by spaces or commas (as the original's `$hosts`).
const NODE_LIST = { type: ['string', 'null'], pattern: '^[\\s,]*https?://[^\\s,]+([\\s,]+https?://[^\\s,]+)*[\\s,]*$' };
const NODE_LIST_HINT = 'an http(s) URL, or several separated by spaces or commas';

// One table drives parsing, validation, defaults and the README's configuration section.
export const CONFIG_KEYS: Record<keyof Config, KeySpec> = {
  port: { env: 'PORT', schema: { type: 'integer', minimum: 1, maximum: 65535 }, default: 8080,
    doc: 'TCP port of the HTTP listener.' },
  host: { env: 'HOST', schema: { type: 'string', minLength: 1 }, default: '0.0.0.0',
    doc: 'Address to listen on.' },
  publicUrl: { env: 'PUBLIC_URL', schema: { type: 'string', pattern: '^https?://[^/\\s]+(/[^\\s]*)?$' }, default: '',
    doc: 'Base URL phones and Monster UI reach us at (e.g. `https://prov.example.com`). Default: `http://<host>:<port>`. With a path (`http://host/provisioner`, the original project\'s install path), requests under the path reach the same routes.' },
  couchdbUrl: { env: 'COUCHDB_URL', schema: NODE_LIST, hint: NODE_LIST_HINT, default: null,
    doc: 'CouchDB for our databases, with admin credentials in the URL. Several nodes of one cluster may be listed, separated by spaces or commas: requests go to the first node that answers and fail over to the next. Unset: start the embedded server.' },
  dataDir: { env: 'DATA_DIR', schema: { type: 'string', minLength: 1 }, default: './data',
    doc: 'Where the embedded CouchDB keeps its files and the generated admin token is written.' },
  kazooCouchdbUrl: { env: 'KAZOO_COUCHDB_URL', schema: NODE_LIST, hint: NODE_LIST_HINT, default: null,
    doc: "CouchDB holding Kazoo's databases (`accounts`, `account/xx/xx/…`); may list several nodes like `COUCHDB_URL`. Default: the same as `COUCHDB_URL`." },
  kazooApiUrl: { env: 'KAZOO_API_URL', schema: { type: ['string', 'null'], pattern: '^https?://' }, default: null,
    doc: 'Kazoo crossbar base URL (e.g. `https://kazoo.example.com:8443`), used to check Kazoo auth tokens.' },
  dbPrefix: { env: 'DB_PREFIX', schema: { type: 'string', pattern: '^[a-z0-9_$()+-]*$' }, default: '',
    doc: "Prefix for our database names (lowercase, CouchDB's allowed characters)." },
  kazooDbPrefix: { env: 'KAZOO_DB_PREFIX', schema: { type: 'string', pattern: '^[a-z0-9_$()+-]*$' }, default: '',
    doc: "Prefix for Kazoo's database names. Leave empty in production; tests use it to stay isolated." },
  catalogDb: { env: 'CATALOG_DB', schema: { type: 'string', pattern: '^[a-z][a-z0-9_$()+/-]*$' }, default: 'brand_provisioner',
    doc: 'Name of the catalog database (brand tree, templates, vendor profiles).' },
  stateDb: { env: 'STATE_DB', schema: { type: 'string', pattern: '^[a-z][a-z0-9_$()+/-]*$' }, default: 'provision_state',
    doc: 'Name of the provisioning-state database (MAC index, locks, credentials, activations).' },
  adminToken: { env: 'PROVISION_ADMIN_TOKEN', schema: { type: ['string', 'null'], minLength: 32 }, default: null,
    doc: 'Super-admin token for scripts (at least 32 characters). Unset with the embedded server: one is generated into `DATA_DIR/admin-token`.' },
  logLevel: { env: 'LOG_LEVEL', schema: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] }, default: 'info',
    doc: 'Log level: fatal, error, warn, info, debug, trace or silent.' },
  logFormat: { env: 'LOG_FORMAT', schema: { enum: ['auto', 'json', 'pretty'] }, default: 'auto',
    doc: 'Log lines: `pretty` (readable, for a person), `json` (one pino JSON object a line, for collectors) or `auto` (pretty when stdout is a terminal, else JSON).' },
  couchTimeoutMs: { env: 'COUCH_TIMEOUT_MS', schema: { type: 'integer', minimum: 100, maximum: 2000 }, default: 2000,
    doc: 'Timeout of every CouchDB request on a phone or API path, in ms (at most 2000).' },
  couchBulkTimeoutMs: { env: 'COUCH_BULK_TIMEOUT_MS', schema: { type: 'integer', minimum: 2000, maximum: 600000 }, default: 60000,
    doc: 'Timeout of CouchDB reads of many documents at once (start-up preloads, the MAC index, management views), in ms.' },
  lastGoodDir: { env: 'LAST_GOOD_DIR', schema: { type: ['string', 'null'], minLength: 1 }, default: null,
    doc: 'Where copies of the files served are kept (0700), so a restart while CouchDB is slow or gone still answers the phones that fetched them before (same IP, URL password and credentials; not after Digest). Default: `DATA_DIR/last-good`; `off` keeps none.' },
  trustedProxies: { env: 'TRUSTED_PROXIES', list: true,
    schema: { type: 'array', items: { type: 'string', pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' } }, default: [],
    doc: 'Comma-separated IPs/CIDRs of reverse proxies whose `X-Forwarded-For` is honoured.' },
  defaultTimezone: { env: 'DEFAULT_TIMEZONE', schema: { type: 'string', pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$' }, default: 'UTC',
    doc: 'Time zone for phones when neither device, user nor account sets one.' },
  defaultLanguage: { env: 'DEFAULT_LANGUAGE', schema: { type: 'string', pattern: '^[a-z]{2}(-[a-z]{2})?$' }, default: 'en-us',
    doc: 'Language for phones when neither device, user nor account sets one.' },
  ntpServer: { env: 'NTP_SERVER', schema: { type: 'string', minLength: 1 }, default: 'pool.ntp.org',
    doc: 'NTP server written into phone configs.' },
  indexIntervalMs: { env: 'INDEX_INTERVAL_MS', schema: { type: 'integer', minimum: 100, maximum: 60000 }, default: 1000,
    doc: "How often every Kazoo account database is checked for device changes (ms), on a CouchDB without `_db_updates` (the embedded server)." },
  indexFullSweepMs: { env: 'INDEX_FULL_SWEEP_MS', schema: { type: 'integer', minimum: 10000, maximum: 86400000 }, default: 3600000,
    doc: "On Apache CouchDB (`_db_updates` followed): how often every account database is read anyway, as a safety net (ms)." },
  indexDbUpdates: { env: 'INDEX_DB_UPDATES', schema: { type: 'boolean' }, default: true,
    doc: "Follow CouchDB's `_db_updates` where the server has it, reading only the account databases that changed; `false` sweeps them all every INDEX_INTERVAL_MS." },
  probeLimit: { env: 'PROBE_LIMIT', schema: { type: 'integer', minimum: 1, maximum: 10000 }, default: 10,
    doc: 'Failed phone requests (unknown MAC, wrong credentials, locked…) per source IP and minute before that IP is banned.' },
  banMinutes: { env: 'BAN_MINUTES', schema: { type: 'integer', minimum: 1, maximum: 10080 }, default: 15,
    doc: 'How long a probing IP stays banned from phone files, in minutes.' },
  failureDelayMs: { env: 'FAILURE_DELAY_MS', schema: { type: 'integer', minimum: 0, maximum: 5000 }, default: 250,
    doc: 'Minimum time before a refused phone request or SessionTalk provisioning request is answered (ms), so no refusal is faster than another.' },
  resyncPerMinute: { env: 'RESYNC_PER_MINUTE', schema: { type: 'integer', minimum: 1, maximum: 6000 }, default: 10,
    doc: "Resync now: at most this many phones of an account are told to fetch their file (Kazoo's check-sync NOTIFY, which reboots many models) per minute." },
  httpsPort: { env: 'HTTPS_PORT', schema: { type: ['integer', 'null'], minimum: 1, maximum: 65535 }, default: null,
    doc: 'TCP port of the HTTPS listener (needs `TLS_CERT` and `TLS_KEY`). Unset: HTTP only.' },
  tlsCert: { env: 'TLS_CERT', schema: { type: ['string', 'null'], minLength: 1 }, default: null,
    doc: 'PEM file with the HTTPS server certificate (chain).' },
  tlsKey: { env: 'TLS_KEY', schema: { type: ['string', 'null'], minLength: 1 }, default: null,
    doc: 'PEM file with the HTTPS server private key.' },
  tlsClientCa: { env: 'TLS_CLIENT_CA', schema: { type: ['string', 'null'], minLength: 1 }, default: null,
    doc: "PEM file of the CAs that issue phones' factory certificates (mutual TLS). Set: phones are asked for a client certificate." },
  auditRetentionDays: { env: 'AUDIT_RETENTION_DAYS', schema: { type: 'integer', minimum: 1, maximum: 3650 }, default: 365,
    doc: 'How long audit events (who changed templates, locks, credentials, activations) are kept, in days.' },
  fetchHistoryCount: { env: 'FETCH_HISTORY_COUNT', schema: { type: 'integer', minimum: 1, maximum: 100 }, default: 10,
    doc: 'How many distinct file versions (ETags) each device remembers having fetched.' },
  fetchBodyDays: { env: 'FETCH_BODY_DAYS', schema: { type: 'integer', minimum: 1, maximum: 3650 }, default: 90,
    doc: 'How long the masked body of a fetched file is kept for "changed since last fetch" diffs, in days.' },
  templateRevisionsKept: { env: 'TEMPLATE_REVISIONS_KEPT', schema: { type: 'integer', minimum: 1, maximum: 1000 }, default: 50,
    doc: 'How many earlier revisions of each template are kept for rollback.' },
};

export class ConfigError extends Error {}

const ajv = new Ajv({ allErrors: false, coerceTypes: true, useDefaults: false });

function readFileConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: must hold a JSON object`);
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in CONFIG_KEYS)) {
      throw new ConfigError(`config file ${path}: unknown key "${key}" (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    }
  }
  return parsed as Record<string, unknown>;
}

function configFilePath(env: NodeJS.ProcessEnv, argv: string[]): string | null {
  const i = argv.indexOf('--config');
  if (i >= 0) {
    if (!argv[i + 1]) throw new ConfigError('--config needs a file path');
    return argv[i + 1];
  }
  const eq = argv.find((a) => a.startsWith('--config='));
  if (eq) return eq.slice('--config='.length);
  return env.PROVISION_CONFIG || null;
}

function describe(spec: KeySpec): string {
  const s = spec.schema as Record<string, unknown>;
  if (spec.hint) return spec.hint;
  if (s.type === 'boolean') return 'true or false';
  if (s.enum) return `one of ${(s.enum as string[]).join(', ')}`;
  if (s.type === 'integer' || (Array.isArray(s.type) && s.type[0] === 'integer')) return `an integer from ${s.minimum} to ${s.maximum}`;
  if (s.minLength && s.minLength !== 1) return `at least ${s.minLength} characters`;
  if (s.pattern) return `of the form ${s.pattern}`;
  if (s.type === 'array') return 'a comma-separated list of IPs or CIDRs';
  return 'a non-empty string';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const filePath = configFilePath(env, argv);
  const fromFile = filePath ? readFileConfig(filePath) : {};
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const raw = env[spec.env];
    let value: unknown;
    let source: string;
    if (raw !== undefined && raw !== '') {
      value = spec.list ? raw.split(',').map((x) => x.trim()).filter(Boolean) : raw;
      source = spec.env;
    } else if (key in fromFile) {
      value = fromFile[key];
      source = `${filePath}: ${key}`;
    } else {
      out[key] = spec.default;
      continue;
    }
    const holder = { v: value };
    const validate = ajv.compile({ type: 'object', properties: { v: spec.schema } });
    if (!validate(holder)) {
      const shown = typeof value === 'string' && /TOKEN|URL/.test(spec.env) ? '(value hidden)' : JSON.stringify(value);
      throw new ConfigError(`${source} must be ${describe(spec)}; got ${shown}`);
    }
    out[key] = holder.v;
  }
  const cfg = out as unknown as Config;
  if (!cfg.publicUrl) {
    const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? 'localhost' : cfg.host;
    cfg.publicUrl = `http://${host}:${cfg.port}`;
  }
  cfg.publicUrl = cfg.publicUrl.replace(/\/+$/, '');
  if (!cfg.kazooCouchdbUrl) cfg.kazooCouchdbUrl = cfg.couchdbUrl;
  if (cfg.httpsPort && (!cfg.tlsCert || !cfg.tlsKey)) throw new ConfigError('HTTPS_PORT needs TLS_CERT and TLS_KEY');
  if (cfg.kazooApiUrl) cfg.kazooApiUrl = cfg.kazooApiUrl.replace(/\/+$/, '');
  return cfg;
}

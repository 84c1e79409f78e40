// GET /prov/<brand>/<file>: what phones fetch, as a plain function from the request to the answer
// (phone-http.ts puts it on the wire). The auth pipeline is server/security/guard.ts; every refusal —
// unknown MAC, other tenant, disabled account, wrong credentials, lock, ban — gets the same answer
// (404, or a Digest challenge when the request itself asks for one), no sooner than FAILURE_DELAY_MS
// after the request arrived, and one fail2ban-friendly log line.
import { isConnectionError } from '../couch/errors.js';
import { settleRefusal } from '../http/refusal-delay.js';
import { normalizeMac } from '../kazoo/mac.js';
import type { Services } from '../services.js';
import type { ClientCert } from '../security/client-cert.js';
import type { PhoneRequest } from '../security/guard.js';
import type { Rendered } from '../render/pipeline.js';
import type { FileResolver } from './files.js';
import type { PhoneFiles, Served } from './phone-files.js';
import { phonebookMac, servePhonebook } from './phonebook-file.js';
import { cachedRegex } from './regex-cache.js';

/** A phone's request, as the transport saw it. */
export interface PhoneFetch {
  /** The path's two segments, decoded. */
  brand: string; file: string;
  method: string;
  /** The request target as sent (path and query): what a Digest `uri` must name. */
  url: string;
  query: Record<string, string | string[] | undefined>;
  /** A request header by lower-case name, '' when absent. */
  header(name: string): string;
  ip: string;
  /** Over TLS, ours or a trusted proxy's. */
  secure: boolean;
  cert: ClientCert;
  /** The TLS client certificate's fingerprint (last-good copies are kept per requester). */
  certFingerprint: string | null;
  /** The connection: what is remembered per connection (last-good fingerprints) is keyed by it. */
  connection: object;
}

export interface PhoneAnswer { status: number; headers: Record<string, string | string[]>; body: Buffer | string | null }

// URLs phones already use with the original project (snom's setting_server, snom's defaults).
const LEGACY_DEVICE_URLS: Array<{ brand: string; re: RegExp }> = [
  { brand: 'snom', re: /^settings-([0-9A-Fa-f]{12})\.php$/ },
  { brand: 'snom', re: /^snom[A-Za-z0-9]*-([0-9A-Fa-f]{12})\.htm$/ },
];

/** What the phone path's own texts (refusals, 503, 405) are sent as. */
export const TEXT = 'text/plain; charset=utf-8';

/** A file as the answer: ETag, revalidation on every fetch, 304 when the phone has it already. `stale`: why it may be out of date. */
export function fileAnswer(r: Rendered, ifNoneMatch: string, stale: string | null = null): PhoneAnswer {
  const headers: Record<string, string> = { ETag: r.etag, 'Cache-Control': 'no-cache' };
  // A Warning 110 the phone ignores and a person can read.
  if (stale) headers.Warning = `110 - "stale: ${stale}"`;
  if (ifNoneMatch && ifNoneMatch.split(/\s*,\s*/).includes(r.etag)) return { status: 304, headers, body: null };
  headers['Content-Type'] = r.contentType;
  return { status: 200, headers, body: r.body };
}

export const unavailableAnswer = (): PhoneAnswer => ({ status: 503, headers: { 'Content-Type': TEXT }, body: 'Service Unavailable\n' });

export function phoneAnswerer(s: Services, files: PhoneFiles, resolver: FileResolver): (f: PhoneFetch) => Promise<PhoneAnswer> {
  const { guard } = s.security;

  /** No refusal is answered sooner than the slowest usual one: timing tells nothing about the reason. */
  const settle = (started: number) => settleRefusal(started, s.app.config.failureDelayMs);

  const fail = async (started: number, req: Pick<PhoneRequest, 'ip' | 'challenge' | 'authorization' | 'secure'> & { mac: string | null },
    reason: string, opts: { stale?: boolean; banned?: boolean; count?: boolean } = {}): Promise<PhoneAnswer> => {
    const refusal = await guard.refusal(req, reason, { ...opts, settle: () => settle(started) });
    return { status: refusal.status, headers: { ...refusal.headers, 'Cache-Control': 'no-store', 'Content-Type': TEXT },
      body: refusal.status === 401 ? 'Unauthorized\n' : 'Not Found\n' };
  };

  const send = (f: PhoneFetch, served: Extract<Served, { ok: true }>) =>
    fileAnswer(served.rendered, f.header('if-none-match'), served.stale ? 'provisioning database unreachable' : null);

  return async (f) => {
    const started = Date.now();
    const profile = s.catalog.profile(f.brand);
    const { ip } = f;
    const pass = typeof f.query.pass === 'string' ? f.query.pass : null;
    const ua = f.header('user-agent').slice(0, 300);
    const authorization = f.header('authorization');
    const uaSource = profile?.user_agent?.pattern;
    const uaMatch = uaSource ? cachedRegex(`user-agent ${uaSource}`, () => uaSource).exec(ua) : null;
    const base = { ip, authorization, secure: f.secure, challenge: pass === null && (!!authorization || !!uaMatch) };
    if (!profile) return fail(started, { ...base, mac: null }, `unknown_brand ${f.brand}`, { count: false });
    const brand = profile.brand;
    const fileName = f.file;
    let mac: string | null = null;
    let pattern: string | null = null;
    const legacy = LEGACY_DEVICE_URLS.find((l) => l.brand === brand && l.re.test(fileName));
    const phonebook = phonebookMac(profile, fileName);
    if (phonebook) {
      mac = phonebook;
    } else if (brand === 'snom' && fileName === 'settings.php') {
      mac = normalizeMac(f.query.mac);
      if (!mac) return fail(started, { ...base, mac: null }, 'bad_mac');
    } else if (legacy) {
      mac = legacy.re.exec(fileName)![1].toLowerCase();
    } else {
      const req = resolver.resolve(brand, fileName);
      // Phones ask for files we do not have (vendor extras): not a probe, not counted.
      if (req.kind === 'none') return fail(started, { ...base, mac: null }, `unsupported_file ${fileName}`, { count: false });
      if (req.kind === 'common') {
        // Common files carry no secrets (render/model.ts commonModel): served to anyone.
        const served = files.common(req.template, req.file, fileName);
        if (served.ok) {
          s.lastGood.record(f.brand, fileName, served.rendered, null);
          return send(f, served);
        }
        return fail(started, { ...base, mac: null }, served.reason, { count: false });
      }
      mac = req.mac;
      pattern = req.pattern;
    }
    const phone: PhoneRequest = { ...base, mac, method: f.method, uri: f.url, pass, cert: f.cert };
    const found = s.macIndex.lookup(mac);
    if (await guard.banned(ip, found.kind === 'devices' ? found.accountId : null, !!authorization)) return fail(started, phone, 'banned', { banned: true });
    // The MAC a phone puts in its User-Agent must be the one it asks for; so must its certificate's.
    const uaMac = uaMatch?.groups?.mac ? normalizeMac(uaMatch.groups.mac) : null;
    if (uaMac && uaMac !== mac) return fail(started, phone, 'ua_mac_mismatch');
    if (guard.certMismatch(phone)) return fail(started, phone, 'cert_mac_mismatch');
    const served = phonebook ? await servePhonebook(s, files, profile, mac) : await files.device(brand, mac, pattern, { brand: f.brand, file: fileName });
    if (!served.ok) {
      if (served.status === 503) return unavailableAnswer();
      if (served.reason === 'unknown_mac') s.sightings.record(mac, null, { at: s.app.now(), ip, file: fileName, ua: ua.slice(0, 200), status: 404 });
      // A known phone asking for a file its model does not have (vendor firmware tries several names)
      // is no probe: counting it would ban an office of such phones.
      return fail(started, phone, served.reason, { count: !served.reason.startsWith('unsupported_file') });
    }
    let verdict;
    try {
      verdict = await guard.authorize(phone, served.accountId!);
      if (verdict.ok && !(await verdict.commit())) verdict = { ok: false as const, reason: 'locked' };
    } catch (err) {
      // CouchDB unreachable and nothing cached to decide with: refuse for now, the phone retries.
      if (!isConnectionError(err)) throw err;
      s.app.log.error({ err: (err as Error).message, ip, mac }, 'phone request not authorised: CouchDB unreachable');
      return unavailableAnswer();
    }
    if (!verdict.ok) return fail(started, phone, verdict.reason, { stale: verdict.stale });
    s.sightings.record(mac, served.accountId, { at: s.app.now(), ip, file: fileName, ua: ua.slice(0, 200), status: 200, etag: served.rendered.etag });
    s.fetchHistory.record(served.accountId!, mac, fileName, served.rendered.etag, served.masked);
    // The snom settings.php names its MAC in the query, which the copy's key does not hold: not kept.
    if (fileName !== 'settings.php' && !served.stale) {
      s.lastGood.record(f.brand, fileName, served.rendered, { ip, pass, authorization, certFingerprint: f.certFingerprint },
        { mac, accountId: served.accountId }, f.connection);
    }
    return send(f, served);
  };
}

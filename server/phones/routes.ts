// GET /prov/<brand>/<file>: what phones fetch. The auth pipeline is server/security/guard.ts; every
// refusal — unknown MAC, other tenant, disabled account, wrong credentials, lock, ban — gets the same
// answer (404, or a Digest challenge when the request itself asks for one), no sooner than
// FAILURE_DELAY_MS after the request arrived, and one fail2ban-friendly log line.
import Router from '@koa/router';
import type { Context } from 'koa';
import { clientIp, isTrustedProxy, trustedList } from '../http/client-ip.js';
import { isConnectionError } from '../couch/errors.js';
import { settleRefusal } from '../http/refusal-delay.js';
import { normalizeMac } from '../kazoo/mac.js';
import type { Services } from '../services.js';
import { clientCertOf } from '../security/client-cert.js';
import type { PhoneRequest } from '../security/guard.js';
import { FileResolver } from './files.js';
import type { PhoneFiles, Served } from './phone-files.js';
import { phonebookMac, servePhonebook } from './phonebook-file.js';
import { certFingerprintOf } from './last-good.js';
import { sendFile } from './send-file.js';
import { cachedRegex } from './regex-cache.js';
import type { BlockList } from 'node:net';

// URLs phones already use with the original project (snom's setting_server, snom's defaults).
const LEGACY_DEVICE_URLS: Array<{ brand: string; re: RegExp }> = [
  { brand: 'snom', re: /^settings-([0-9A-Fa-f]{12})\.php$/ },
  { brand: 'snom', re: /^snom[A-Za-z0-9]*-([0-9A-Fa-f]{12})\.htm$/ },
];

export function phoneRouter(s: Services, files: PhoneFiles): Router {
  const router = new Router({ prefix: '/prov' });
  const resolver = new FileResolver(s.catalog);
  const trusted = trustedList(s.app.config.trustedProxies);
  const { guard } = s.security;

  /** No refusal is answered sooner than the slowest usual one: timing tells nothing about the reason. */
  const settle = (started: number) => settleRefusal(started, s.app.config.failureDelayMs);

  const fail = async (ctx: Context, started: number, req: Pick<PhoneRequest, 'ip' | 'challenge' | 'authorization' | 'secure'> & { mac: string | null },
    reason: string, opts: { stale?: boolean; banned?: boolean; count?: boolean } = {}) => {
    const refusal = await guard.refusal(req, reason, { ...opts, settle: () => settle(started) });
    ctx.status = refusal.status;
    for (const [k, v] of Object.entries(refusal.headers)) ctx.set(k, v);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/plain';
    ctx.body = refusal.status === 401 ? 'Unauthorized\n' : 'Not Found\n';
  };

  const send = (ctx: Context, served: Extract<Served, { ok: true }>) =>
    sendFile(ctx, served.rendered, served.stale ? 'provisioning database unreachable' : null);

  router.get('/:brand/:file', async (ctx) => {
    const started = Date.now();
    const profile = s.catalog.profile(ctx.params.brand);
    const socketIp = ctx.request.socket.remoteAddress;
    // The app's first middleware has worked it out already (createApp); a bare router works it out here.
    const ip: string = ctx.state.clientIp ?? (ctx.state.clientIp = clientIp(socketIp, ctx.get('x-forwarded-for'), trusted));
    const pass = typeof ctx.query.pass === 'string' ? ctx.query.pass : null;
    const ua = ctx.get('user-agent').slice(0, 300);
    const authorization = ctx.get('authorization');
    const uaSource = profile?.user_agent?.pattern;
    const uaMatch = uaSource ? cachedRegex(`user-agent ${uaSource}`, () => uaSource).exec(ua) : null;
    const base = {
      ip, authorization, secure: ctx.secure || forwardedHttps(ctx, socketIp, trusted),
      challenge: pass === null && (!!authorization || !!uaMatch),
    };
    if (!profile) return fail(ctx, started, { ...base, mac: null }, `unknown_brand ${ctx.params.brand}`, { count: false });
    const brand = profile.brand;
    const fileName = ctx.params.file;
    let mac: string | null = null;
    let pattern: string | null = null;
    const legacy = LEGACY_DEVICE_URLS.find((l) => l.brand === brand && l.re.test(fileName));
    const phonebook = phonebookMac(profile, fileName);
    if (phonebook) {
      mac = phonebook;
    } else if (brand === 'snom' && fileName === 'settings.php') {
      mac = normalizeMac(ctx.query.mac);
      if (!mac) return fail(ctx, started, { ...base, mac: null }, 'bad_mac');
    } else if (legacy) {
      mac = legacy.re.exec(fileName)![1].toLowerCase();
    } else {
      const req = resolver.resolve(brand, fileName);
      // Phones ask for files we do not have (vendor extras): not a probe, not counted.
      if (req.kind === 'none') return fail(ctx, started, { ...base, mac: null }, `unsupported_file ${fileName}`, { count: false });
      if (req.kind === 'common') {
        // Common files carry no secrets (render/model.ts commonModel): served to anyone.
        const served = files.common(req.template, req.file, fileName);
        if (served.ok) {
          s.lastGood.record(ctx.params.brand, fileName, served.rendered, null);
          return send(ctx, served);
        }
        return fail(ctx, started, { ...base, mac: null }, served.reason, { count: false });
      }
      mac = req.mac;
      pattern = req.pattern;
    }
    const phone: PhoneRequest = { ...base, mac, method: ctx.method, uri: ctx.originalUrl, pass, cert: clientCertOf(ctx.req.socket) };
    const found = s.macIndex.lookup(mac);
    if (await guard.banned(ip, found.kind === 'devices' ? found.accountId : null, !!authorization)) return fail(ctx, started, phone, 'banned', { banned: true });
    // The MAC a phone puts in its User-Agent must be the one it asks for; so must its certificate's.
    const uaMac = uaMatch?.groups?.mac ? normalizeMac(uaMatch.groups.mac) : null;
    if (uaMac && uaMac !== mac) return fail(ctx, started, phone, 'ua_mac_mismatch');
    if (guard.certMismatch(phone)) return fail(ctx, started, phone, 'cert_mac_mismatch');
    const served = phonebook ? await servePhonebook(s, files, profile, mac) : await files.device(brand, mac, pattern, { brand: ctx.params.brand, file: fileName });
    if (!served.ok) {
      if (served.status === 503) { ctx.status = 503; ctx.body = 'Service Unavailable\n'; return; }
      if (served.reason === 'unknown_mac') s.sightings.record(mac, null, { at: s.app.now(), ip, file: fileName, ua: ua.slice(0, 200), status: 404 });
      // A known phone asking for a file its model does not have (vendor firmware tries several names)
      // is no probe: counting it would ban an office of such phones.
      return fail(ctx, started, phone, served.reason, { count: !served.reason.startsWith('unsupported_file') });
    }
    let verdict;
    try {
      verdict = await guard.authorize(phone, served.accountId!);
      if (verdict.ok && !(await verdict.commit())) verdict = { ok: false as const, reason: 'locked' };
    } catch (err) {
      // CouchDB unreachable and nothing cached to decide with: refuse for now, the phone retries.
      if (!isConnectionError(err)) throw err;
      s.app.log.error({ err: (err as Error).message, ip, mac }, 'phone request not authorised: CouchDB unreachable');
      ctx.status = 503;
      ctx.body = 'Service Unavailable\n';
      return;
    }
    if (!verdict.ok) return fail(ctx, started, phone, verdict.reason, { stale: verdict.stale });
    s.sightings.record(mac, served.accountId, { at: s.app.now(), ip, file: fileName, ua: ua.slice(0, 200), status: 200, etag: served.rendered.etag });
    s.fetchHistory.record(served.accountId!, mac, fileName, served.rendered.etag, served.masked);
    // The snom settings.php names its MAC in the query, which the copy's key does not hold: not kept.
    if (fileName !== 'settings.php' && !served.stale) {
      s.lastGood.record(ctx.params.brand, fileName, served.rendered, { ip, pass, authorization, certFingerprint: certFingerprintOf(ctx.req.socket) },
        { mac, accountId: served.accountId }, ctx.req.socket);
    }
    send(ctx, served);
  });
  return router;
}

/** TLS ended at a trusted reverse proxy that says so. */
function forwardedHttps(ctx: Context, socketIp: string | undefined, trusted: BlockList): boolean {
  if (!isTrustedProxy(trusted, socketIp || '')) return false;
  return ctx.get('x-forwarded-proto').split(',')[0].trim().toLowerCase() === 'https';
}

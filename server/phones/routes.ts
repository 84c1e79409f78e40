// GET /prov/<brand>/<file>: what phones fetch. Every failure — unknown MAC, other tenant, disabled
// account, wrong password — gets the same 404 and one fail2ban-friendly log line.
import Router from '@koa/router';
import type { Context } from 'koa';
import { sameSecret } from '../api/auth.js';
import { clientIp, trustedList } from '../http/client-ip.js';
import { normalizeMac } from '../kazoo/mac.js';
import type { Services } from '../services.js';
import { FileResolver } from './files.js';
import type { PhoneFiles, Served } from './phone-files.js';

// URLs phones already use with the original project (snom's setting_server, snom's defaults).
const LEGACY_DEVICE_URLS: Array<{ brand: string; re: RegExp }> = [
  { brand: 'snom', re: /^settings-([0-9A-Fa-f]{12})\.php$/ },
  { brand: 'snom', re: /^snom[A-Za-z0-9]*-([0-9A-Fa-f]{12})\.htm$/ },
];

export function phoneRouter(s: Services, files: PhoneFiles): Router {
  const router = new Router({ prefix: '/prov' });
  const resolver = new FileResolver(s.catalog);
  const trusted = trustedList(s.app.config.trustedProxies);

  const fail = (ctx: Context, ip: string, mac: string | null, reason: string) => {
    s.app.log.warn({ ip, mac: mac || undefined, reason }, `provision-auth-failure ip=${ip} mac=${mac || '-'} reason=${reason.split(' ')[0]}`);
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = 'Not Found\n';
  };

  const send = (ctx: Context, served: Extract<Served, { ok: true }>) => {
    const r = served.rendered;
    ctx.set('ETag', r.etag);
    ctx.set('Cache-Control', 'no-cache');
    if (served.stale) ctx.set('Warning', '110 - "stale: provisioning database unreachable"');
    if (ctx.get('if-none-match').split(/\s*,\s*/).includes(r.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.status = 200;
    ctx.type = r.contentType;
    ctx.body = r.body;
  };

  router.get('/:brand/:file', async (ctx) => {
    const profile = s.catalog.profile(ctx.params.brand);
    const ip = clientIp(ctx.request.socket.remoteAddress, ctx.get('x-forwarded-for'), trusted);
    ctx.state.clientIp = ip;
    if (!profile) return fail(ctx, ip, null, `unknown_brand ${ctx.params.brand}`);
    const brand = profile.brand;
    const fileName = ctx.params.file;
    let mac: string | null = null;
    let pattern: string | null = null;
    const legacy = LEGACY_DEVICE_URLS.find((l) => l.brand === brand && l.re.test(fileName));
    if (brand === 'snom' && fileName === 'settings.php') {
      mac = normalizeMac(ctx.query.mac);
      if (!mac) return fail(ctx, ip, null, 'bad_mac');
    } else if (legacy) {
      mac = legacy.re.exec(fileName)![1].toLowerCase();
    } else {
      const req = resolver.resolve(brand, fileName);
      if (req.kind === 'none') return fail(ctx, ip, null, `unsupported_file ${fileName}`);
      if (req.kind === 'common') {
        const served = files.common(req.template, req.file, fileName);
        if (served.ok) return send(ctx, served);
        return fail(ctx, ip, null, served.reason);
      }
      mac = req.mac;
      pattern = req.pattern;
    }
    // The MAC a phone puts in its User-Agent must be the one it asks for.
    const uaPattern = profile.user_agent?.pattern;
    if (uaPattern) {
      const m = new RegExp(uaPattern).exec(ctx.get('user-agent').slice(0, 300));
      const uaMac = m?.groups?.mac ? normalizeMac(m.groups.mac) : null;
      if (uaMac && uaMac !== mac) return fail(ctx, ip, mac, 'ua_mac_mismatch');
    }
    const served = await files.device(brand, mac, pattern);
    if (!served.ok) {
      if (served.status === 503) { ctx.status = 503; ctx.body = 'Service Unavailable\n'; return; }
      return fail(ctx, ip, mac, served.reason);
    }
    if (!(await urlPasswordOk(s, served.accountId!, ctx.query.pass))) return fail(ctx, ip, mac, 'bad_password');
    s.sightings.record(mac, served.accountId, { at: s.app.now(), ip, file: fileName, ua: ctx.get('user-agent').slice(0, 200), status: 200 });
    send(ctx, served);
  });
  return router;
}

/** The original project's account URL password (`pass=`), still honoured for deployed phones. */
async function urlPasswordOk(s: Services, accountId: string, given: unknown): Promise<boolean> {
  const urlpass = s.kazoo.account(accountId)?.provision?.urlpass;
  if (typeof urlpass !== 'string' || !urlpass) return true;
  return typeof given === 'string' && sameSecret(given, urlpass);
}

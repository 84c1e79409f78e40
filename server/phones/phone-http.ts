// The phones' own way in: GET and HEAD of /prov/<brand>/<file> are answered on node:http directly;
// everything else goes on to the Koa application. A warm fetch is a few reads of memory and one
// socket write, and Koa's context, middleware chain and routers were a fifth of its CPU (BENCHMARKS.md,
// "the warm path"): the one phone path has no other way in. What Koa gave it is here, once: the
// public path prefix, the client IP, the access-log line and metrics, the error mapping.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { TLSSocket } from 'node:tls';
import type { BlockList } from 'node:net';
import { isConnectionError } from '../couch/errors.js';
import { clientIp, isTrustedProxy, trustedList } from '../http/client-ip.js';
import { pathPrefixOf } from '../http/path-prefix.js';
import { failureOf, failureText, logRequest, newRequestId } from '../http/request-log.js';
import { clientCertOf } from '../security/client-cert.js';
import type { Services } from '../services.js';
import { phoneAnswerer, TEXT, type PhoneAnswer } from './answer.js';
import { FileResolver } from './files.js';
import { certFingerprintOf } from './last-good.js';
import type { PhoneFiles } from './phone-files.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The phone route, for what walks every route (test/path-ids.test.ts). */
export const PHONE_ROUTE = { path: '/prov/:brand/:file', methods: ['GET'], params: ['brand', 'file'] };
// As the router had it: case-insensitive, a trailing slash allowed, one segment each.
const PHONE_PATH = /^\/prov\/([^/]+)\/([^/]+)\/?$/i;

/** A path segment decoded; as sent when it is not valid percent-encoding (as the router did). */
const decoded = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

const headerOf = (req: IncomingMessage) => (name: string): string => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : '';
};

/** TLS ended at a trusted reverse proxy that says so. */
function forwardedHttps(req: IncomingMessage, header: (name: string) => string, trusted: BlockList): boolean {
  if (!isTrustedProxy(trusted, req.socket.remoteAddress || '')) return false;
  return header('x-forwarded-proto').split(',')[0].trim().toLowerCase() === 'https';
}

export function phoneHttp(s: Services, files: PhoneFiles, next: Handler): Handler {
  const { config, log, metrics } = s.app;
  const answer = phoneAnswerer(s, files, new FileResolver(s.catalog));
  const trusted = trustedList(config.trustedProxies);
  const prefix = pathPrefixOf(config.publicUrl);

  // All headers in one writeHead: node:http's quicker way than one setHeader each.
  const write = (res: ServerResponse, a: PhoneAnswer, head: boolean) => {
    if (a.body === null) { res.writeHead(a.status, a.headers).end(); return; }
    const body = typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
    res.writeHead(a.status, { ...a.headers, 'Content-Length': body.length }).end(head ? undefined : body);
  };

  return (req, res) => {
    const url = req.url || '/';
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    if (prefix && path.startsWith(`${prefix}/`)) path = path.slice(prefix.length);
    const m = PHONE_PATH.exec(path);
    if (!m) return next(req, res);
    const started = process.hrtime.bigint();
    const requestId = newRequestId();
    const header = headerOf(req);
    const ip = clientIp(req.socket.remoteAddress, header('x-forwarded-for'), trusted);
    const method = req.method || 'GET';
    const done = (a: PhoneAnswer) => {
      write(res, a, method === 'HEAD');
      logRequest(log, metrics, { requestId, method, path, status: a.status, started, ip, ua: header('user-agent') });
    };
    if (method !== 'GET' && method !== 'HEAD') {
      // Phones only read; what else comes is told what it may do (OPTIONS) or that it may not (405).
      // Not answered within the 'request' event: a body sent without framing (a DELETE's, say) is a
      // parse error in the same packet, and node:http can then still answer 400 and close, instead
      // of closing a connection that already looked free to the client for its next request.
      setImmediate(done, method === 'OPTIONS' ? { status: 200, headers: { Allow: 'HEAD, GET' }, body: null }
        : { status: 405, headers: { Allow: 'HEAD, GET', 'Content-Type': TEXT }, body: 'Method Not Allowed' });
      return;
    }
    const socket = req.socket as TLSSocket;
    answer({
      brand: decoded(m[1]), file: decoded(m[2]), method, url, query: q < 0 ? {} : parseQuery(url.slice(q + 1)), header, ip,
      secure: socket.encrypted === true || forwardedHttps(req, header, trusted),
      cert: clientCertOf(socket), certFingerprint: certFingerprintOf(socket), connection: socket,
    }).catch((err) => {
      const f = failureOf(err, log, path, requestId, isConnectionError);
      return { status: f.status, headers: { 'Content-Type': TEXT, ...(f.retryAfter ? { 'Retry-After': '5' } : {}) },
        body: failureText(f) };
    }).then(done).catch((err) => { log.warn({ err: (err as Error).message }, 'connection error'); });
  };
}

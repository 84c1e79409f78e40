// A phone's side of the wire for the security tests: requests from a chosen loopback source address
// (127.0.0.2, 127.0.0.3, … — fetch cannot choose one), optionally over TLS with a client
// certificate, and the Digest answer a phone computes.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface PhoneResponse { status: number; text: string; headers: http.IncomingHttpHeaders; ms: number; challenges: string[] }

export function phoneGet(url: string, opts: { ip?: string; headers?: Record<string, string>; tls?: https.RequestOptions } = {}): Promise<PhoneResponse> {
  const u = new URL(url);
  const started = Date.now();
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET',
      localAddress: opts.ip, headers: opts.headers, agent: false, ...(opts.tls || {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      // Node joins repeated headers; each WWW-Authenticate offer is kept apart here.
      const challenges = res.rawHeaders.flatMap((h, i) => (i % 2 === 0 && h.toLowerCase() === 'www-authenticate' ? [res.rawHeaders[i + 1]] : []));
      res.on('end', () => resolve({ status: res.statusCode!, text, headers: res.headers, ms: Date.now() - started, challenges }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Challenge { realm: string; nonce: string; opaque: string; algorithm: string; qop: string }

export function challengesOf(res: PhoneResponse): Challenge[] {
  return res.challenges.filter((h) => /^Digest /.test(h)).map((h) => {
    const get = (k: string) => new RegExp(`${k}="?([^",]*)"?`).exec(h)?.[1] || '';
    return { realm: get('realm'), nonce: get('nonce'), opaque: get('opaque'), algorithm: get('algorithm'), qop: get('qop') };
  });
}

/** The Authorization header a phone sends for `uri` with these credentials. */
export function digestAuth(c: Challenge, username: string, password: string, uri: string, nc = 1): string {
  const alg = c.algorithm === 'SHA-256' ? 'sha256' : 'md5';
  const H = (s: string) => createHash(alg).update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = H(`${H(`${username}:${c.realm}:${password}`)}:${c.nonce}:${ncHex}:${cnonce}:auth:${H(`GET:${uri}`)}`);
  return `Digest username="${username}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", algorithm=${c.algorithm}, `
    + `response="${response}", opaque="${c.opaque}", qop=auth, nc=${ncHex}, cnonce="${cnonce}"`;
}

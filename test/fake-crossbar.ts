// A stand-in for Kazoo's crossbar, answering only `/v2/auth/tokeninfo`, in the shapes Kazoo's
// cb_auth documents and implements: GET with `?token=` or POST with `{"data":{"token":…}}`; a good
// token → 200 with `data.account_id`/`owner_id`; an expired or unknown one → 401 with crossbar's
// error envelope; no token → 404 "missing token in params". Tokens look like Kazoo's JWTs.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { secret } from './fixtures/secrets.js';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface TokenGrant { accountId: string; ownerId?: string; expired?: boolean }
export type CrossbarRoute = (req: IncomingMessage, url: URL, crossbar: FakeCrossbar) => Promise<{ status: number; body: unknown } | null>;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export class FakeCrossbar {
  private tokens = new Map<string, TokenGrant>();
  private server: Server | null = null;
  /** Every tokeninfo request, in order (method and whether the token came in the query string). */
  readonly calls: Array<{ method: string; viaQuery: boolean }> = [];
  /** Answer POST with 405, as releases with the GET form only do. */
  getOnly = false;
  /** Delay every answer (to test our timeout). */
  delayMs = 0;
  /** More crossbar routes (the Monster app's tests add accounts/devices/users, see test/browser/crossbar-api.ts). */
  route: CrossbarRoute | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** A new JWT-shaped token for a user (or, without ownerId, an account API-key token). */
  issue(grant: TokenGrant): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = { account_id: grant.accountId, owner_id: grant.ownerId, iat: now - 10,
      exp: grant.expired ? now - 5 : now + 3600, jti: randomBytes(8).toString('hex') };
    const token = `${b64({ alg: 'RS256', typ: 'JWT', kid: randomBytes(16).toString('hex') })}.${b64(claims)}.${randomBytes(64).toString('base64url')}`;
    this.tokens.set(token, grant);
    return secret(token);
  }

  /** What an issued token stands for (undefined for unknown or expired tokens). */
  grantOf(token: string): TokenGrant | undefined {
    const g = this.tokens.get(token);
    return g && !g.expired ? g : undefined;
  }

  /** Makes an issued token expire (Kazoo then answers 401 for it). */
  expire(token: string): void {
    const g = this.tokens.get(token);
    if (g) g.expired = true;
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      }, this.delayMs);
    };
    const envelope = { timestamp: new Date().toISOString(), version: '5.1.0', node: 'fake-crossbar', request_id: randomBytes(16).toString('hex') };
    const error = (status: number, message: string) =>
      send(status, { ...envelope, auth_token: '', data: { message }, error: String(status), message, status: 'error' });
    const url = new URL(req.url || '/', 'http://x');
    // Browsers (the Monster app's tests) call crossbar cross-origin, as Monster UI does.
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, PUT, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'Content-Type, X-Auth-Token, X-Kazoo-Cluster-ID', 'Access-Control-Max-Age': '600' });
      return res.end();
    }
    if (url.pathname !== '/v2/auth/tokeninfo' && this.route) {
      const answer = await this.route(req, url, this);
      if (answer) {
        return answer.status >= 400
          ? error(answer.status, String((answer.body as { message?: string })?.message || answer.status))
          : send(answer.status, { ...envelope, auth_token: req.headers['x-auth-token'] || '', status: 'success', data: answer.body });
      }
    }
    if (url.pathname !== '/v2/auth/tokeninfo') return error(404, 'bad identifier');
    let token: string | undefined;
    if (req.method === 'GET') {
      token = url.searchParams.get('token') || undefined;
      this.calls.push({ method: 'GET', viaQuery: !!token });
      if (!token) return error(404, 'missing token in params');
    } else if (req.method === 'POST') {
      if (this.getOnly) return error(405, 'method not allowed');
      let raw = '';
      for await (const chunk of req) raw += chunk;
      try { token = JSON.parse(raw)?.data?.token; } catch { token = undefined; }
      this.calls.push({ method: 'POST', viaQuery: false });
      if (typeof token !== 'string' || !token) return error(404, 'missing token in request');
    } else {
      return error(405, 'method not allowed');
    }
    const grant = this.tokens.get(token);
    if (!grant) return error(401, 'invalid_credentials');
    if (grant.expired) return error(401, 'token expired');
    send(200, { ...envelope, auth_token: token, status: 'success', page_size: 1,
      data: { account_id: grant.accountId, owner_id: grant.ownerId, reseller_id: grant.accountId,
        account_name: 'Test account', language: 'en-us', apps: [], is_reseller: false } });
  }
}

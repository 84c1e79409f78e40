// Requests exactly as written (fetch would resolve `..` and re-encode the path before sending), and
// the routes of the server's routers, enumerated from the routers themselves.
import http from 'node:http';
import type Router from '@koa/router';

export interface RawResponse { status: number; text: string; headers: http.IncomingHttpHeaders }

export function raw(base: string, method: string, path: string, opts: { token?: string | null; body?: string; headers?: Record<string, string>; agent?: http.Agent } = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, path, method, agent: opts.agent ?? false,
      headers: { ...(opts.token ? { 'x-auth-token': opts.token } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface Route { path: string; methods: string[]; params: string[] }

export function routesOf(list: Router[]): Route[] {
  return list.flatMap((r) => r.stack.filter((l) => l.methods.length).map((l) => ({
    path: String(l.path), methods: l.methods.filter((m) => m !== 'HEAD'), params: l.paramNames.map((k) => String(k.name)) })));
}

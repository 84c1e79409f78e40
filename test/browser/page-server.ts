// Serves the stock Monster UI tree (test/browser/monster-tree.ts) as its web root, as an operator's
// web server does. Only `js/config.js` is answered here instead of the tree's sample: it points
// Monster at the fake crossbar and at our server's /api/ as `api.provisioner`. `/apps/phoneprov/`
// answers the app from this repository, the same files an operator copies into `src/apps/phoneprov/`
// (the tree on disk stays unchanged); the apps_store entry decides whether Monster loads it from
// there or from our server's /monster-app (`source_url`).
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { ROOT } from '../support.js';
import { monsterTree } from './monster-tree.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.css': 'text/css', '.json': 'application/json',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.eot': 'application/vnd.ms-fontobject',
  '.mp3': 'audio/mpeg', '.wav': 'audio/wav',
};

export interface PageServerOptions { crossbarUrl: string; provisionerUrl: string }

/** Monster's configuration (docs.2600hz.com/ui/docs/configuration): where Kazoo and the provisioner are. */
const configJs = (o: PageServerOptions) => `define(${JSON.stringify({
  api: { default: `${o.crossbarUrl}/v2/`, provisioner: o.provisionerUrl },
  whitelabel: { companyName: 'Example Telecom', applicationTitle: 'Monster UI', language: 'en-US', hide_registration: true,
    logoutTimer: 0, nav: { help: 'http://example.com/help' } },
}, null, 1)});\n`;

/** A path under `base`, or null when the request tries to leave it. */
function inside(base: string, path: string): string | null {
  let decoded: string;
  try { decoded = decodeURIComponent(path); } catch { return null; }
  const file = normalize(join(base, decoded));
  return file === base || file.startsWith(base + sep) ? file : null;
}

export async function startPageServer(o: PageServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const tree = monsterTree();
  const appDir = join(ROOT, 'monster-app');
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url || '/', 'http://x').pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/js/config.js') return send(200, TYPES['.js'], configJs(o));
    const file = path.startsWith('/apps/phoneprov/') ? inside(appDir, path.slice('/apps/phoneprov/'.length))
      : inside(tree, path === '/' ? 'index.html' : path);
    if (file && existsSync(file) && statSync(file).isFile()) return send(200, TYPES[extname(file)] || 'application/octet-stream', readFileSync(file));
    // A development tree may lack these two build products; Monster asks for both at start.
    if (path === '/VERSION') return send(200, 'text/plain', '4.3-test\n');
    if (path === '/build-config.json') return send(200, TYPES['.json'], '{"type":"development"}');
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

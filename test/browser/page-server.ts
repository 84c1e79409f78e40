// The test page's own static server: the real jQuery, lodash, Handlebars and require.js from
// node_modules, the Monster runtime stand-in, and a page that loads the app from our server's
// /monster-app/ (another origin, as with an app doc's source_url).
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../support.js';

const FILES: Record<string, string> = {
  '/lib/require.js': 'node_modules/requirejs/require.js',
  '/lib/jquery.js': 'node_modules/jquery/dist/jquery.js',
  '/lib/lodash.js': 'node_modules/lodash/lodash.js',
  '/lib/handlebars.js': 'node_modules/handlebars/dist/handlebars.js',
  '/runtime/monster-runtime.js': 'test/browser/monster-runtime.js',
  '/runtime/monster-shell.css': 'test/browser/monster-shell.css',
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Monster UI — phoneprov test page</title>
<link rel="stylesheet" href="/runtime/monster-shell.css">
<script src="/lib/require.js"></script></head>
<body><header class="monster-topbar">Monster UI · Phone Provisioning</header>
<div id="monster_content"></div><div id="monster_dialogs"></div><div id="monster_toasts"></div>
<script>
var cfg = window.__monsterTest;
require.config({ waitSeconds: 20, paths: { jquery: '/lib/jquery', lodash: '/lib/lodash', handlebars: '/lib/handlebars',
  monster: '/runtime/monster-runtime', 'apps/phoneprov': cfg.appPath } });
require(['monster'], function(monster) { monster.loadApp('phoneprov', cfg.appPath, function() { window.__appReady = true; }); });
</script></body></html>`;

export async function startPageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url || '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(PAGE);
    }
    const file = FILES[path];
    if (!file) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': path.endsWith('.css') ? 'text/css' : 'application/javascript' });
    res.end(readFileSync(join(ROOT, file)));
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

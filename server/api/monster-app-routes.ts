// Serves the Monster UI app (monster-app/) at /monster-app/, so Monster UI can load it by the app
// doc's `source_url`. Static files only: a fixed set of types, no dotfiles, nothing outside the
// folder. CORS for the XHR-fetched views and i18n files comes from the cors middleware (app.ts).
import Router from '@koa/router';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MONSTER_APP_DIR = fileURLToPath(new URL('../../monster-app/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
};

/** The file a request path names inside root, or null (traversal, dotfile, unknown type). */
export function resolveAppFile(root: string, rawPath: string): string | null {
  let rel: string;
  try { rel = decodeURIComponent(rawPath); } catch { return null; }
  if (!rel || rel.includes('\0') || rel.includes('\\')) return null;
  const parts = rel.split('/').filter(Boolean);
  if (!parts.length || parts.some((p) => p === '..' || p.startsWith('.'))) return null;
  if (!TYPES[extname(rel).toLowerCase()]) return null;
  const base = resolve(root);
  const file = resolve(base, ...parts);
  return file.startsWith(base + sep) ? file : null;
}

export function monsterAppRouter(root = MONSTER_APP_DIR): Router {
  const router = new Router();
  router.get('/monster-app', (ctx) => { ctx.redirect('/monster-app/metadata/app.json'); });
  router.get('/monster-app/{*path}', async (ctx) => {
    const file = resolveAppFile(root, ctx.path.slice('/monster-app/'.length));
    const info = file ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'Not Found';
      return;
    }
    const body = await readFile(file);
    ctx.set('ETag', `"${createHash('sha1').update(body).digest('base64url')}"`);
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = TYPES[extname(file).toLowerCase()];
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  });
  return router;
}

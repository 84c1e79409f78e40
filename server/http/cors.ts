// CORS for Monster UI in a browser: any origin, no credentials mode, the headers Monster sends.
import type { Middleware } from 'koa';

const ALLOW_HEADERS = 'Accept, Content-Type, X-Auth-Token, X-Kazoo-Cluster-ID, X-Requested-With';
const ALLOW_METHODS = 'GET, PUT, POST, PATCH, DELETE, OPTIONS, HEAD';

export function cors(prefixes: string[]): Middleware {
  return async (ctx, next) => {
    if (!prefixes.some((p) => ctx.path === p || ctx.path.startsWith(p + '/'))) return next();
    ctx.set('Access-Control-Allow-Origin', '*');
    ctx.set('Access-Control-Expose-Headers', 'ETag, X-Request-Id');
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', ALLOW_METHODS);
      ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') ? ALLOW_HEADERS : ALLOW_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    await next();
  };
}

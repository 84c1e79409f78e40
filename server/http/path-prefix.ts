// Phones set up by the original project fetch under its install path
// (`http://host/provisioner/prov/snom/settings.php`). When PUBLIC_URL has a path, a request under it
// reaches the same routes as one without it, so those phones and the URLs we write both work.
// Only that one configured prefix is stripped: it adds no route, it only names the same ones.
import type { Middleware } from 'koa';

/** PUBLIC_URL's path without its trailing slash ('' when it has none). */
export const pathPrefixOf = (publicUrl: string) => new URL(publicUrl).pathname.replace(/\/+$/, '');

export function publicPathPrefix(publicUrl: string): Middleware {
  const prefix = pathPrefixOf(publicUrl);
  return async (ctx, next) => {
    // ctx.originalUrl keeps what the phone sent (a Digest `uri` names it).
    if (prefix && ctx.path.startsWith(`${prefix}/`)) ctx.path = ctx.path.slice(prefix.length);
    await next();
  };
}

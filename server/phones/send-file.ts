// A phone file as the answer: ETag, revalidation on every fetch, 304 when the phone has it already.
import type { Context } from 'koa';
import type { Rendered } from '../render/pipeline.js';

/** `stale`: why the body may be out of date (a Warning 110 the phone ignores and a person can read). */
export function sendFile(ctx: Context, r: Rendered, stale: string | null = null): void {
  ctx.set('ETag', r.etag);
  ctx.set('Cache-Control', 'no-cache');
  if (stale) ctx.set('Warning', `110 - "stale: ${stale}"`);
  if (ctx.get('if-none-match').split(/\s*,\s*/).includes(r.etag)) {
    ctx.status = 304;
    return;
  }
  ctx.status = 200;
  ctx.type = r.contentType;
  ctx.body = r.body;
}

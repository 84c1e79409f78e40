// A phone file as Koa's answer (the start-up application's last-good copies); answer.ts decides.
import type { Context } from 'koa';
import type { Rendered } from '../render/pipeline.js';
import { fileAnswer } from './answer.js';

/** `stale`: why the body may be out of date. */
export function sendFile(ctx: Context, r: Rendered, stale: string | null = null): void {
  const a = fileAnswer(r, ctx.get('if-none-match'), stale);
  for (const [k, v] of Object.entries(a.headers)) ctx.set(k, v);
  ctx.status = a.status;
  if (a.body !== null) ctx.body = a.body;
}

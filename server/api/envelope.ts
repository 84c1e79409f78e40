// Kazoo's response envelope, as Monster UI and crossbar expect it.
import type { Context } from 'koa';

export function ok(ctx: Context, data: unknown, status = 200): void {
  ctx.status = status;
  ctx.body = { status: 'success', data, request_id: ctx.state.requestId };
}

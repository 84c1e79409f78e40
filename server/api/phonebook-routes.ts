// The account's phonebook: the operator's list (read by the account's users, replaced by its admins)
// and the merged directory phones get. PUT replaces the whole list; send the rev you read to be told
// (409) when someone else saved in between.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { badRequest } from '../http/errors.js';
import { validateOperatorEntries } from '../phonebooks/entries.js';
import type { Services } from '../services.js';
import { forbidden, isAccountAdmin, principalOf, requireAccountAdmin } from './auth.js';
import { ok } from './envelope.js';
import { accountParam } from './params.js';

export function phonebookRouter(s: Services, auth: Middleware): Router {
  const router = new Router({ prefix: '/api/accounts/:accountId/phonebook' });

  router.get('/', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    const p = principalOf(ctx);
    if (!isAccountAdmin(s, p, accountId) && p.accountId !== accountId) throw forbidden('this token belongs to another account');
    const book = await s.phonebooks.book(accountId);
    ok(ctx, { rev: book.rev, entries: book.operator, kazoo: book.kazoo, merged: book.merged });
  });

  router.put('/', auth, async (ctx) => {
    const accountId = accountParam(ctx);
    requireAccountAdmin(s, ctx, accountId);
    // Kazoo's envelope ({"data": {...}}), as Monster's requests and the rest of this API send it; the
    // bare object is taken too.
    const raw = ctx.request.body as { data?: unknown } | undefined;
    const body = (raw && typeof raw.data === 'object' && raw.data !== null && !Array.isArray(raw.data) ? raw.data : raw) as { rev?: unknown } | undefined;
    const entries = validateOperatorEntries(body);
    const rev = body?.rev;
    if (rev !== undefined && rev !== null && typeof rev !== 'string') throw badRequest('rev must be the string returned by GET, or null for a new list', { field: 'rev' });
    const newRev = await s.phonebooks.saveOperator(accountId, entries, rev as string | null | undefined);
    ok(ctx, { rev: newRev, entries });
  });
  return router;
}

// "Is this caller an admin of that account or of one of its parents?" for the calls Kazoo makes
// around an account's life: right after it is created (our copy of `accounts` follows the change feed
// and may not have it yet) and right after it is deleted (gone from that copy). Without this, a
// reseller's own pushes for a new or deleted sub-account would get 403 and leave secrets behind.
import type { Context } from 'koa';
import type { Services } from '../services.js';
import { getOrNull } from '../couch/client.js';
import type { KazooAccount } from '../kazoo/directory.js';
import { forbidden, principalOf, type Principal } from './auth.js';

export class AccountAccess {
  /** The last tree seen for every account, kept after the account disappears. */
  private lastTree = new Map<string, string[]>();

  constructor(private s: Services) {
    for (const id of s.kazoo.accountIds()) this.lastTree.set(id, s.kazoo.ancestors(id));
    s.kazoo.onAccountChange((id, doc) => { if (doc) this.lastTree.set(id, doc.pvt_tree || []); });
  }

  /** Ancestors of an account, from memory or, for an account we have not seen, one key read of `accounts`. */
  async ancestors(accountId: string): Promise<string[]> {
    if (this.s.kazoo.account(accountId)) return this.s.kazoo.ancestors(accountId);
    const known = this.lastTree.get(accountId);
    if (known) return known;
    const app = this.s.app;
    let doc: KazooAccount | null = null;
    try {
      doc = await getOrNull<KazooAccount>(app.kazooCouch.server.use<KazooAccount>(app.names.kazooAccounts), accountId);
    } catch (err) {
      app.log.warn({ account_id: accountId, err: (err as Error).message }, 'cannot read the account from Kazoo; only its own admins may act on it');
      return [];
    }
    if (!doc) return [];
    // Soft-deleted docs keep their tree; a live one we had not seen yet is taken in at once.
    if (!doc.pvt_deleted) this.s.kazoo.apply(accountId, doc, true);
    this.lastTree.set(accountId, doc.pvt_tree || []);
    return doc.pvt_tree || [];
  }

  async requireAdmin(ctx: Context, accountId: string): Promise<Principal> {
    const p = principalOf(ctx);
    if (p.kind === 'superadmin') return p;
    if (p.privLevel !== 'admin') throw forbidden('this needs an administrator of the account; the token belongs to a user without admin rights');
    if (p.accountId === accountId || (p.accountId && (await this.ancestors(accountId)).includes(p.accountId))) return p;
    throw forbidden('the token belongs to an account that is neither this account nor one of its parents');
  }
}

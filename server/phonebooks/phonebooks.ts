// Each account's phonebook: Kazoo's users with their extensions plus the operator's list (one state
// document, "phonebook:<accountId>"), merged and rendered per vendor format. Both are cached per
// account and dropped by the change feeds (the account database's for users and callflows, the state
// database's for the operator's list), so a warm fetch costs no CouchDB request and every instance
// sees a change.
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import type { StateFeed } from '../couch/state-feed.js';
import { conflict } from '../http/errors.js';
import type { KazooDirectory } from '../kazoo/directory.js';
import type { MacIndex } from '../kazoo/mac-index.js';
import type { Rendered } from '../render/pipeline.js';
import { mergeEntries, type PhonebookEntry } from './entries.js';
import { PHONEBOOK_FORMATS } from './formats.js';
import { kazooEntries } from './kazoo-entries.js';

export const phonebookDocId = (accountId: string) => `phonebook:${accountId}`;

interface OperatorDoc { _id: string; _rev?: string; pvt_type: 'phonebook'; account_id: string; entries: Array<{ name: string; number: string }> }
export interface AccountPhonebook { kazoo: PhonebookEntry[]; operator: Array<{ name: string; number: string }>; rev: string | null; merged: PhonebookEntry[] }

export class Phonebooks {
  private books = new Map<string, AccountPhonebook>();
  private files = new Map<string, Rendered>();
  private gen = new Map<string, number>();

  constructor(private app: AppContext, private kazoo: KazooDirectory, macIndex: MacIndex, stateFeed: StateFeed) {
    stateFeed.on(['phonebook:'], (changes) => { for (const c of changes) this.drop(c.id.slice('phonebook:'.length)); });
    kazoo.onAccountChange((accountId) => this.drop(accountId));
    // Users and callflows (devices do not appear in a phonebook).
    macIndex.onChange((c) => { if (c.kind !== 'device') this.drop(c.accountId); });
  }

  /** Something this account's phonebook is made from changed. */
  drop(accountId: string): void {
    this.books.delete(accountId);
    for (const key of [...this.files.keys()]) if (key.startsWith(`${accountId}|`)) this.files.delete(key);
    this.gen.set(accountId, (this.gen.get(accountId) || 0) + 1);
  }

  async book(accountId: string): Promise<AccountPhonebook> {
    const hit = this.books.get(accountId);
    if (hit) return hit;
    const started = this.gen.get(accountId) || 0;
    const [docs, op] = await Promise.all([this.kazoo.docsOfTypes<any>(accountId, ['user', 'callflow']), getOrNull<OperatorDoc>(this.app.stateDb, phonebookDocId(accountId))]);
    const kazoo = kazooEntries(docs);
    const operator = op?.account_id === accountId ? op.entries : [];
    const book = { kazoo, operator, rev: op?._rev ?? null, merged: mergeEntries(kazoo, operator) };
    // Changed while it loaded: served, not kept (the next fetch loads again).
    if ((this.gen.get(accountId) || 0) === started) this.books.set(accountId, book);
    return book;
  }

  /** The phone file of one format; null for a format this server does not write. */
  async file(accountId: string, format: string, title: string): Promise<Rendered | null> {
    const writer = Object.hasOwn(PHONEBOOK_FORMATS, format) ? PHONEBOOK_FORMATS[format] : null;
    if (!writer) return null;
    const key = `${accountId}|${format}`;
    const hit = this.files.get(key);
    if (hit) return hit;
    const started = this.gen.get(accountId) || 0;
    const body = Buffer.from(writer((await this.book(accountId)).merged, title), 'utf8');
    const rendered = { body, contentType: 'application/xml; charset=utf-8', etag: `"${createHash('sha1').update(body).digest('base64url')}"`, problems: [] };
    if ((this.gen.get(accountId) || 0) === started) this.files.set(key, rendered);
    return rendered;
  }

  /** Replaces the operator's list; `rev` (when given) must be the one read, else 409. */
  async saveOperator(accountId: string, entries: Array<{ name: string; number: string }>, rev: string | null | undefined): Promise<string> {
    const current = await getOrNull<OperatorDoc>(this.app.stateDb, phonebookDocId(accountId));
    if (rev !== undefined && (current?._rev ?? null) !== rev) {
      throw conflict('the phonebook was changed by someone else since you read it; reload and apply your edit again', { rev: current?._rev ?? null });
    }
    const doc: OperatorDoc = { _id: phonebookDocId(accountId), pvt_type: 'phonebook', account_id: accountId, entries, ...(current ? { _rev: current._rev } : {}) };
    try {
      const res = await this.app.stateDb.insert(doc);
      this.drop(accountId);
      return res.rev;
    } catch (err) {
      if (statusOf(err) === 409) throw conflict('the phonebook was changed by someone else while saving; reload and try again');
      throw err;
    }
  }
}

// One follower of our state database's _changes for every part that caches state documents (MAC
// index, security, SessionTalk): a write wakes one long poll, not one per part. It starts from the
// sequence read before any part loaded anything, so no part misses a change made while it loaded;
// a change seen twice is harmless (every listener applies documents, never deltas).
import type { AppContext } from '../context.js';
import { follow, type Change, type Follower } from './follow.js';

export type StateListener = (changes: Change[]) => void | Promise<void>;

export class StateFeed {
  private listeners: Array<{ prefixes: string[]; fn: StateListener }> = [];
  private follower: Follower | null = null;

  private constructor(private app: AppContext, readonly since: string) {}

  static async open(app: AppContext): Promise<StateFeed> {
    const info = await app.stateDb.info();
    return new StateFeed(app, String(info.update_seq));
  }

  /** Changes of documents whose id starts with one of `prefixes`, with the documents. */
  on(prefixes: string[], fn: StateListener): void {
    this.listeners.push({ prefixes, fn });
  }

  start(): void {
    this.follower ??= follow(this.app.couch.feed.use(this.app.names.state), {
      since: this.since, includeDocs: true, log: this.app.log, label: 'state',
      onChanges: async (changes) => {
        for (const l of this.listeners) {
          const mine = changes.filter((c) => l.prefixes.some((p) => c.id.startsWith(p)));
          if (mine.length) await l.fn(mine);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
  }
}

// Removes everything our state database holds for one account (locks, credentials, activations,
// checkpoints…: every doc carrying its account_id), so no secret outlives a deleted account.
import type { AppContext } from '../context.js';

const PAGE = 500;

export async function purgeAccountState(app: AppContext, accountId: string): Promise<number> {
  const db = app.stateDb;
  let removed = 0;
  // Rounds, because a doc written (or a delete lost to a conflict) meanwhile shows up in the next one.
  for (let round = 0; round < 1000; round++) {
    const page = await db.view('state', 'by_account', { startkey: [accountId], endkey: [accountId, {}], limit: PAGE });
    if (!page.rows.length) return removed;
    const ids = [...new Set(page.rows.map((r) => r.id))];
    const revs = await db.fetchRevs({ keys: ids });
    const tombstones = (revs.rows as Array<{ id?: string; value?: { rev: string; deleted?: boolean } }>)
      .filter((r) => r.id && r.value && !r.value.deleted)
      .map((r) => ({ _id: r.id!, _rev: r.value!.rev, _deleted: true }));
    const res = await db.bulk({ docs: tombstones });
    removed += res.filter((r) => !r.error).length;
  }
  throw new Error(`could not purge account ${accountId}: documents keep appearing`);
}

// Reading many documents of one database by id range, a page at a time: one request for 100,000
// documents would outlast the request timeout (COUCH_TIMEOUT_MS), and the server would not start.
import type { DocumentScope } from 'nano';

export const PAGE_SIZE = 2000;

/** Every document whose id starts with `prefix` (every document of the database with ''), in id order. */
export async function* docsByPrefix<T>(db: DocumentScope<any>, prefix: string, size = PAGE_SIZE): AsyncGenerator<T & { _id: string }> {
  const range = prefix ? { endkey: `${prefix}\ufff0` } : {};
  let startkey: string | undefined = prefix || undefined;
  for (;;) {
    const res = await db.list({ include_docs: true, limit: size + 1, ...range, ...(startkey !== undefined ? { startkey } : {}) });
    for (const row of res.rows.slice(0, size)) if (row.doc) yield row.doc as T & { _id: string };
    if (res.rows.length <= size) return;
    startkey = res.rows[size].id;
  }
}

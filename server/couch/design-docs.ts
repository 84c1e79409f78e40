// Keeps design documents in step with design-docs/: an unchanged design doc is never rewritten,
// because every rewrite makes CouchDB rebuild the views.
import type { DocumentScope } from 'nano';
import { getOrNull } from './client.js';

export interface DesignDoc { _id: string; [k: string]: unknown }
export type SyncOutcome = 'created' | 'updated' | 'unchanged';

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object).sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  // Through JSON first: a field set to undefined is simply absent once stored.
  const strip = ({ _rev, ...rest }: Record<string, unknown>) => JSON.parse(JSON.stringify(rest));
  return stable(strip(a)) === stable(strip(b));
}

export async function syncDesignDoc(db: DocumentScope<unknown>, doc: DesignDoc): Promise<SyncOutcome> {
  const current = await getOrNull(db as DocumentScope<Record<string, unknown>>, doc._id);
  if (!current) {
    await db.insert(doc as never);
    return 'created';
  }
  if (sameContent(current as Record<string, unknown>, doc)) return 'unchanged';
  await db.insert({ ...doc, _rev: current._rev } as never);
  return 'updated';
}

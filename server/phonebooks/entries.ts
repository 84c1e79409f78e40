// A phonebook entry and the rules an operator's list must keep: a name a phone can show, a number a
// phone can dial, and a bounded size (the whole list is one CouchDB document and one phone file).
import { badRequest } from '../http/errors.js';

export interface PhonebookEntry { name: string; number: string; source: 'kazoo' | 'operator' }

export const MAX_OPERATOR_ENTRIES = 1000;
export const MAX_NAME = 64;
// Digits, a leading +, and the * and # that feature codes use; or a SIP URI's user@host.
const NUMBER = /^(?:\+?[0-9*#]{1,32}|[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9.-]{1,128})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The operator's list from a request body, or a 400 naming the first bad row. */
export function validateOperatorEntries(body: unknown): Array<{ name: string; number: string }> {
  const list = (body as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) throw badRequest('the body must be {"entries": [{"name": "...", "number": "..."}, ...]}', { field: 'entries' });
  if (list.length > MAX_OPERATOR_ENTRIES) throw badRequest(`at most ${MAX_OPERATOR_ENTRIES} entries per account (got ${list.length})`, { field: 'entries' });
  return list.map((e, i) => {
    const row = e as { name?: unknown; number?: unknown } | null;
    const name = typeof row?.name === 'string' ? row.name.trim() : '';
    const number = typeof row?.number === 'string' ? row.number.trim() : '';
    if (!name || name.length > MAX_NAME || CONTROL.test(name)) {
      throw badRequest(`entries[${i}].name must be 1-${MAX_NAME} characters without line breaks`, { field: `entries[${i}].name` });
    }
    if (!NUMBER.test(number)) {
      throw badRequest(`entries[${i}].number "${number.slice(0, 40)}" is not a dialable number (digits, leading +, * and #, or user@host)`, { field: `entries[${i}].number` });
    }
    return { name, number };
  });
}

/** Kazoo's entries first (sorted by name), then the operator's in their order; one entry per name+number. */
export function mergeEntries(kazoo: PhonebookEntry[], operator: Array<{ name: string; number: string }>): PhonebookEntry[] {
  const seen = new Set<string>();
  const out: PhonebookEntry[] = [];
  const sorted = [...kazoo].sort((a, b) => a.name.localeCompare(b.name) || a.number.localeCompare(b.number));
  for (const e of [...sorted, ...operator.map((o) => ({ ...o, source: 'operator' as const }))]) {
    const key = `${e.name}\u0000${e.number}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/** "Jane Doe" → first and last name, for vendors that ask for them apart. */
export function splitName(name: string): { first: string; last: string } {
  const i = name.lastIndexOf(' ');
  return i > 0 ? { first: name.slice(0, i), last: name.slice(i + 1) } : { first: name, last: '' };
}

// The account's own people as phonebook entries: every enabled Kazoo user with the internal numbers
// that ring them. SmartPBX gives a user a callflow (owner_id = the user, or a "user" module pointing
// at them) whose short numbers are the extensions; a user without one falls back to presence_id.
import type { KazooUser } from '../kazoo/directory.js';
import type { PhonebookEntry } from './entries.js';

interface Callflow { pvt_type?: string; pvt_deleted?: boolean; owner_id?: string; numbers?: unknown; flow?: { module?: string; data?: { id?: string } } }
type Doc = (KazooUser | Callflow) & { _id: string; pvt_type?: string; pvt_deleted?: boolean };

// Extensions, not DIDs or patterns: a phonebook lists whom to dial inside the account.
const EXTENSION = /^[0-9]{2,8}$/;

function userName(u: KazooUser): string {
  return [u.first_name, u.last_name].filter(Boolean).join(' ').trim() || u.caller_id?.internal?.name || u.username || '';
}

/** Entries from the account database's documents (users and callflows). */
export function kazooEntries(docs: Doc[]): PhonebookEntry[] {
  const users = new Map<string, KazooUser>();
  const numbers = new Map<string, Set<string>>();
  for (const d of docs) {
    if (d.pvt_deleted) continue;
    if (d.pvt_type === 'user' && (d as KazooUser).enabled !== false) users.set(d._id, d as KazooUser);
  }
  for (const d of docs) {
    if (d.pvt_deleted || d.pvt_type !== 'callflow') continue;
    const cf = d as Callflow;
    const owner = cf.owner_id || (cf.flow?.module === 'user' ? cf.flow.data?.id : undefined);
    if (!owner || !users.has(owner) || !Array.isArray(cf.numbers)) continue;
    for (const n of cf.numbers) if (typeof n === 'string' && EXTENSION.test(n)) {
      if (!numbers.has(owner)) numbers.set(owner, new Set());
      numbers.get(owner)!.add(n);
    }
  }
  const out: PhonebookEntry[] = [];
  for (const [id, u] of users) {
    const name = userName(u).slice(0, 64);
    if (!name) continue;
    const nums = numbers.get(id) || new Set([String(u.presence_id ?? '')].filter((p) => EXTENSION.test(p)));
    for (const number of [...nums].sort()) out.push({ name, number, source: 'kazoo' });
  }
  return out;
}

// Database names: ours (with the configured prefix) and Kazoo's.
import type { Config } from '../../config.js';

export interface DbNames {
  catalog: string;
  state: string;
  kazooAccounts: string;
  kazooSystemConfig: string;
  kazooAccountPrefix: string;
}

export function dbNames(cfg: Pick<Config, 'dbPrefix' | 'kazooDbPrefix' | 'catalogDb' | 'stateDb'>): DbNames {
  return {
    catalog: cfg.dbPrefix + cfg.catalogDb,
    state: cfg.dbPrefix + cfg.stateDb,
    kazooAccounts: cfg.kazooDbPrefix + 'accounts',
    kazooSystemConfig: cfg.kazooDbPrefix + 'system_config',
    kazooAccountPrefix: cfg.kazooDbPrefix + 'account/',
  };
}

const ACCOUNT_ID = /^[0-9a-f]{32}$/;

export function isAccountId(id: unknown): id is string {
  return typeof id === 'string' && ACCOUNT_ID.test(id);
}

/** Kazoo's account database name: `account/ab/cd/<rest>` (nano encodes the slashes on the wire). */
export function accountDbName(names: DbNames, accountId: string): string {
  if (!isAccountId(accountId)) throw new Error('not a Kazoo account id');
  return `${names.kazooAccountPrefix}${accountId.slice(0, 2)}/${accountId.slice(2, 4)}/${accountId.slice(4)}`;
}

/** Inverse of accountDbName; null for anything that is not an account database (MODBs included). */
export function accountIdFromDbName(names: DbNames, dbName: string): string | null {
  if (!dbName.startsWith(names.kazooAccountPrefix)) return null;
  const m = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{28})$/.exec(dbName.slice(names.kazooAccountPrefix.length));
  return m ? m[1] + m[2] + m[3] : null;
}

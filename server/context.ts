// What every part of the server is handed: configuration, CouchDB clients, database names, logger.
// Built once in main (or by the test harness) and passed down; nothing global.
import type { DocumentScope } from 'nano';
import type { Config } from '../config.js';
import { connectCouch, type Couch } from './couch/client.js';
import { dbNames, type DbNames } from './couch/names.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';

export interface AppContext {
  config: Config;
  names: DbNames;
  couch: Couch;
  kazooCouch: Couch;
  catalogDb: DocumentScope<any>;
  stateDb: DocumentScope<any>;
  /** The same databases through the bulk client: for reads of many documents (start-up, management views). */
  bulk: { catalogDb: DocumentScope<any>; stateDb: DocumentScope<any> };
  log: Logger;
  metrics: Metrics;
  version: string;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now: () => number;
}

export const VERSION = '0.1.0';

export function createContext(config: Config, couchUrl: string, kazooUrl: string, log: Logger): AppContext {
  const names = dbNames(config);
  const metrics = createMetrics();
  const observe = (target: string) => ({
    request: (client: string) => metrics.couchRequests.inc({ target, client }),
    error: () => metrics.couchErrors.inc({ target }),
    // Only with several nodes in the URL: a node lost or back is worth a line in the log.
    state: (node: string, up: boolean) => {
      metrics.couchNodeUp.set({ target, node }, up ? 1 : 0);
      log[up ? 'info' : 'warn']({ couchdb_node: node, target }, up ? 'CouchDB node is back' : 'CouchDB node not answering; using the next one');
    },
    failover: () => metrics.couchFailovers.inc({ target }),
  });
  const couch = connectCouch(couchUrl, config.couchTimeoutMs, observe('provision'), config.couchBulkTimeoutMs);
  const kazooCouch = kazooUrl === couchUrl ? couch : connectCouch(kazooUrl, config.couchTimeoutMs, observe('kazoo'), config.couchBulkTimeoutMs);
  return {
    config, names, couch, kazooCouch, log, metrics, version: VERSION, now: Date.now,
    catalogDb: couch.server.use(names.catalog),
    stateDb: couch.server.use(names.state),
    bulk: { catalogDb: couch.bulk.use(names.catalog), stateDb: couch.bulk.use(names.state) },
  };
}

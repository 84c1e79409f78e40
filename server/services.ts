// The long-lived parts built on the context (caches, indexes, followers), started and stopped together.
import { CatalogCache } from './catalog/cache.js';
import type { AppContext } from './context.js';
import { KazooDirectory } from './kazoo/directory.js';
import { MacIndex } from './kazoo/mac-index.js';
import { PhoneFiles } from './phones/phone-files.js';
import { Phonebooks } from './phonebooks/phonebooks.js';
import { Sightings } from './phones/sightings.js';
import { FetchHistory } from './audit/fetch-history.js';
import { SessiontalkStore } from './sessiontalk/store.js';
import { KazooDocCache } from './phones/kazoo-doc-cache.js';
import { startSecurity, type Security } from './security/security.js';
import { StateFeed } from './couch/state-feed.js';
import { retryStartStep } from './couch/retry.js';
import { PhoneSettingsStore } from './settings/store.js';
import { ResyncRunner } from './resync/job.js';
import { FirmwareCatalog } from './firmware/catalog.js';
import { LastGood } from './phones/last-good.js';

export interface Services {
  app: AppContext;
  catalog: CatalogCache;
  kazoo: KazooDirectory;
  macIndex: MacIndex;
  stateFeed: StateFeed;
  kazooDocs: KazooDocCache;
  phoneFiles: PhoneFiles;
  phonebooks: Phonebooks;
  sightings: Sightings;
  fetchHistory: FetchHistory;
  firmware: FirmwareCatalog;
  /** Copies of what was served, for the next start-up (server/phones/last-good.ts). */
  lastGood: LastGood;
  sessiontalk: SessiontalkStore;
  security: Security;
  /** Resolves once the security caches and the fetch history are preloaded (each failure is logged, not thrown). */
  preloaded: Promise<void>;
  phoneSettings: PhoneSettingsStore;
  resync: ResyncRunner;
  stop(): Promise<void>;
}

export async function startServices(app: AppContext, lastGood: LastGood = new LastGood(null, app.log)): Promise<Services> {
  // Each step waits for a slow or absent CouchDB (loudly) instead of ending the start; each can run again.
  const step = <T>(name: string, fn: () => Promise<T>) => retryStartStep(name, fn, { log: app.log, couchdb: app.couch.label });
  // Before anything loads state documents: the feed replays every change made while they load.
  const stateFeed = await step('state feed', () => StateFeed.open(app));
  const catalog = new CatalogCache(app);
  await step('catalog', () => catalog.start());
  const kazoo = new KazooDirectory(app);
  await step('kazoo accounts', () => kazoo.start());
  const macIndex = new MacIndex(app, kazoo, { intervalMs: app.config.indexIntervalMs,
    fullSweepMs: app.config.indexFullSweepMs, dbUpdates: app.config.indexDbUpdates });
  await step('mac index', () => macIndex.start(stateFeed));
  const firmware = new FirmwareCatalog(app);
  await step('firmware', () => firmware.start(stateFeed));
  const phoneSettings = new PhoneSettingsStore(app);
  await step('phone settings', () => phoneSettings.start(stateFeed));
  const services: Services = {
    app, catalog, kazoo, macIndex, stateFeed, phoneSettings, kazooDocs: new KazooDocCache(kazoo, macIndex), sightings: new Sightings(app), firmware, lastGood,
    fetchHistory: new FetchHistory(app),
    phonebooks: new Phonebooks(app, kazoo, macIndex, stateFeed),
    // Built below: both need the finished services object.
    phoneFiles: null as unknown as PhoneFiles, sessiontalk: null as unknown as SessiontalkStore,
    security: null as unknown as Security, preloaded: Promise.resolve(),
    resync: new ResyncRunner(app, () => app.config.kazooApiUrl),
    async stop() {
      services.resync.stop();
      await services.sightings.stop();
      await services.fetchHistory.stop();
      await stateFeed.stop();
      app.log.debug('stopping: security');
      await services.security.stop();
      app.log.debug('stopping: sessiontalk');
      await services.sessiontalk.stop();
      app.log.debug('stopping: mac index');
      await macIndex.stop();
      app.log.debug('stopping: kazoo directory');
      await kazoo.stop();
      app.log.debug('stopping: catalog');
      await catalog.stop();
    },
  };
  services.phoneFiles = new PhoneFiles(services);
  services.sessiontalk = new SessiontalkStore(services);
  services.security = startSecurity(services);
  // After a power cut every phone asks at once: what its request reads or records is then in memory.
  services.preloaded = Promise.all([services.security.ready, services.fetchHistory.preload()])
    .then(() => { app.metrics.phoneCachesPreloaded.set(1); });
  // Not waited for: phones calling meanwhile read their own documents, and the preload keeps what
  // they read (a phone refused with "connection refused" may not try again for minutes).
  stateFeed.start();
  return services;
}

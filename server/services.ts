// The long-lived parts built on the context (caches, indexes, followers), started and stopped together.
import { CatalogCache } from './catalog/cache.js';
import type { AppContext } from './context.js';
import { KazooDirectory } from './kazoo/directory.js';

export interface Services {
  app: AppContext;
  catalog: CatalogCache;
  kazoo: KazooDirectory;
  stop(): Promise<void>;
}

export async function startServices(app: AppContext): Promise<Services> {
  const catalog = new CatalogCache(app);
  await catalog.start();
  const kazoo = new KazooDirectory(app);
  await kazoo.start();
  return {
    app, catalog, kazoo,
    async stop() {
      await kazoo.stop();
      await catalog.stop();
    },
  };
}

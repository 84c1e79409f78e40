// The long-lived parts built on the context (caches, indexes, followers), started and stopped together.
import { CatalogCache } from './catalog/cache.js';
import type { AppContext } from './context.js';

export interface Services {
  app: AppContext;
  catalog: CatalogCache;
  stop(): Promise<void>;
}

export async function startServices(app: AppContext): Promise<Services> {
  const catalog = new CatalogCache(app);
  await catalog.start();
  return {
    app, catalog,
    async stop() {
      await catalog.stop();
    },
  };
}

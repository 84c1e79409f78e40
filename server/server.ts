// Builds and runs the whole server on a CouchDB that is already reachable. Used by main.ts and,
// in-process, by the tests.
import type { Server } from 'node:http';
import type { Config } from '../config.js';
import { createApp } from './app.js';
import { bootstrap, summarize } from './bootstrap.js';
import { createContext, type AppContext } from './context.js';
import type { Logger } from './log.js';
import { isConnectionError } from './couch/errors.js';
import { startServices, type Services } from './services.js';

export interface RunningServer {
  url: string;
  port: number;
  app: AppContext;
  services: Services;
  close(): Promise<void>;
}

/** Bootstraps with retries: a CouchDB that is still starting (or briefly down) is waited for, loudly. */
export async function bootstrapWithRetry(app: AppContext, log: Logger, maxWaitMs = 120_000): Promise<void> {
  const started = Date.now();
  let delay = 500;
  for (;;) {
    try {
      const report = await bootstrap(app);
      for (const line of summarize(report)) log.info(line);
      return;
    } catch (err) {
      const e = err as { statusCode?: number; message: string; name: string };
      // Only connection problems are retried; a bad seed or a refused login will not get better.
      const transient = (e.statusCode ?? 0) >= 500 || (!e.statusCode && isConnectionError(err));
      if (!transient || Date.now() - started > maxWaitMs) throw err;
      log.warn({ retry_in_ms: delay, couchdb: app.couch.label, err: e.message }, 'CouchDB not reachable; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  }
}

export async function startServer(config: Config, couchUrl: string, log: Logger,
  opts: { skipBootstrap?: boolean; tweak?: (app: AppContext) => void } = {}): Promise<RunningServer> {
  const app = createContext(config, couchUrl, config.kazooCouchdbUrl || couchUrl, log);
  opts.tweak?.(app);
  if (!opts.skipBootstrap) await bootstrapWithRetry(app, log);
  const services = await startServices(app);
  const koa = createApp(services);
  const server: Server = await new Promise((res, rej) => {
    const srv = koa.listen(config.port, config.host, () => res(srv));
    srv.once('error', rej);
  });
  server.keepAliveTimeout = 65_000;
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`, port, app, services,
    async close() {
      log.debug('stopping: http listener');
      await new Promise<void>((res) => {
        server.close(() => res());
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await services.stop();
      log.debug('stopped');
    },
  };
}

// Builds and runs the whole server on a CouchDB that is already reachable. Used by main.ts and,
// in-process, by the tests.
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
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
  /** The HTTPS listener's base URL when HTTPS_PORT is set. */
  httpsUrl?: string;
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
  const tls = config.httpsPort != null ? await listenHttps(config, koa.callback()) : null;
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const tlsAddr = tls?.address();
  return {
    url: `http://${host}:${port}`, port, app, services,
    httpsUrl: tlsAddr && typeof tlsAddr === 'object' ? `https://${host}:${tlsAddr.port}` : undefined,
    async close() {
      log.debug('stopping: http listener');
      await Promise.all([server, ...(tls ? [tls] : [])].map((srv) => new Promise<void>((res) => {
        srv.close(() => res());
        // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
        srv.closeIdleConnections();
        setTimeout(() => srv.closeAllConnections(), 10_000).unref();
      })));
      await services.stop();
      log.debug('stopped');
    },
  };
}

/**
 * HTTPS beside HTTP. With TLS_CLIENT_CA, phones are asked for their factory certificate but not
 * refused without one (rejectUnauthorized false): the phone path decides, per account, what a
 * missing or foreign certificate means (server/security/client-cert.ts).
 */
function listenHttps(config: Config, handler: Parameters<typeof createHttpsServer>[1]): Promise<Server> {
  const opts = {
    cert: readFileSync(config.tlsCert!), key: readFileSync(config.tlsKey!),
    ...(config.tlsClientCa ? { ca: readFileSync(config.tlsClientCa), requestCert: true, rejectUnauthorized: false } : {}),
  };
  return new Promise((res, rej) => {
    const srv = createHttpsServer(opts, handler);
    srv.keepAliveTimeout = 65_000;
    srv.listen(config.httpsPort ?? 0, config.host, () => res(srv as unknown as Server));
    srv.once('error', rej);
  });
}

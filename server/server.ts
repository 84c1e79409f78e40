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
import { retryStartStep, START_WAIT_MS } from './couch/retry.js';
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
export async function bootstrapWithRetry(app: AppContext, log: Logger, maxWaitMs = START_WAIT_MS): Promise<void> {
  const report = await retryStartStep('bootstrap', () => bootstrap(app), { log, couchdb: app.couch.label, maxWaitMs });
  for (const line of summarize(report)) log.info(line);
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

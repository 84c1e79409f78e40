// Builds and runs the whole server on a CouchDB that is already reachable. Used by main.ts and,
// in-process, by the tests.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { createApp } from './app.js';
import { bootstrap, summarize } from './bootstrap.js';
import { createContext, type AppContext } from './context.js';
import type { Logger } from './log.js';
import { retryStartStep, START_WAIT_MS } from './couch/retry.js';
import { startServices, type Services } from './services.js';
import { LastGood } from './phones/last-good.js';
import { startingApp } from './phones/starting-app.js';
import { phoneHttp } from './phones/phone-http.js';

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
  opts: { skipBootstrap?: boolean; tweak?: (app: AppContext) => void; onListening?: (url: string) => void } = {}): Promise<RunningServer> {
  const app = createContext(config, couchUrl, config.kazooCouchdbUrl || couchUrl, log);
  opts.tweak?.(app);
  // Listening comes first: while CouchDB is slow or gone, phones get their last-good copies (or a 503
  // with Retry-After), not a refused connection; the real application takes over once it is built.
  const lastGood = new LastGood(lastGoodDir(config), log, app.now);
  let handler: (req: IncomingMessage, res: ServerResponse) => void = startingApp(app, lastGood).callback();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => handler(req, res);
  const server = createHttpServer(onRequest);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(config.port, config.host, () => { server.off('error', rej); res(); });
  });
  const tls = config.httpsPort != null ? await listenHttps(config, onRequest) : null;
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;
  opts.onListening?.(url);
  const closeListeners = () => Promise.all([server, ...(tls ? [tls] : [])].map((srv) => new Promise<void>((res) => {
    srv.close(() => res());
    // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
    srv.closeIdleConnections();
    setTimeout(() => srv.closeAllConnections(), 10_000).unref();
  })));
  let services: Services;
  try {
    if (!opts.skipBootstrap) await bootstrapWithRetry(app, log);
    services = await startServices(app, lastGood);
  } catch (err) {
    await closeListeners();
    await lastGood.stop();
    throw err;
  }
  handler = phoneHttp(services, services.phoneFiles, createApp(services).callback());
  const tlsAddr = tls?.address();
  return {
    url, port, app, services,
    httpsUrl: tlsAddr && typeof tlsAddr === 'object' ? `https://${host}:${tlsAddr.port}` : undefined,
    async close() {
      log.debug('stopping: http listener');
      await closeListeners();
      await services.stop();
      await lastGood.stop();
      log.debug('stopped');
    },
  };
}

/** Where the last-good copies live: LAST_GOOD_DIR, or DATA_DIR/last-good; "off" keeps none. */
function lastGoodDir(config: Config): string | null {
  if (config.lastGoodDir === 'off') return null;
  return config.lastGoodDir || join(config.dataDir, 'last-good');
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

// A TCP proxy in front of the test CouchDB that can be stopped and started again on the same port:
// to a client it is a CouchDB node that goes away and comes back.
import net from 'node:net';
import { freePort } from '../server/couch/embedded.js';

export class TcpProxy {
  /** Connections accepted since the last reset. */
  connections = 0;
  /** Holds each piece of CouchDB's answers this long before passing it on: a CouchDB at its busiest. */
  slowMs = 0;
  private server: net.Server | null = null;
  private sockets = new Set<net.Socket>();
  private stalled = false;
  private held: Array<[net.Socket, Buffer]> = [];

  private constructor(readonly port: number, private target: URL) {}

  static async create(targetUrl: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), new URL(targetUrl));
    await proxy.start();
    return proxy;
  }

  /** The proxy's URL, with the target's credentials (Apache CouchDB's databases are admin-only). */
  get url(): string {
    const u = new URL(`http://127.0.0.1:${this.port}`);
    u.username = this.target.username;
    u.password = this.target.password;
    return u.toString().replace(/\/$/, '');
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((client) => {
        this.connections++;
        const upstream = net.connect(Number(this.target.port), this.target.hostname);
        for (const s of [client, upstream]) { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); s.on('error', () => {}); }
        client.pipe(upstream);
        // Held while stalled (a CouchDB too busy to answer); otherwise in order, each piece after slowMs (a chain, so pieces never overtake each other).
        let chain = Promise.resolve();
        upstream.on('data', (d: Buffer) => {
          if (this.stalled) { this.held.push([client, d]); return; }
          const wait = this.slowMs;
          chain = chain.then(() => (wait ? new Promise((r) => setTimeout(r, wait)) : undefined)).then(() => { if (!client.destroyed) client.write(d); });
        });
        upstream.on('end', () => { void chain.then(() => client.end()); });
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => { void chain.then(() => client.destroy()); });
      });
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => { this.server = server; resolve(); });
    });
  }

  /** Holds every answer until resume(): requests are accepted and never answered. */
  stall(): void { this.stalled = true; }

  resume(): void {
    this.stalled = false;
    for (const [client, d] of this.held.splice(0)) if (!client.destroyed) client.write(d);
  }

  /** Refuses new connections and cuts the open ones, as a node that dies. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

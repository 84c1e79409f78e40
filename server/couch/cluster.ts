// Several CouchDB nodes of one cluster behind one nano client, as the original's `$hosts` list.
// nano builds every URL from its configured (first) node; a ClusterDispatcher sends each request to
// the first node that is up instead, and moves to the next one when a node refuses connections,
// times out or answers 502/503/504. A node marked down is probed in the background and used again
// (it is preferred again, being earlier in the list) as soon as it answers — no restart needed.
import { Agent, Dispatcher } from 'undici';

/** `COUCHDB_URL` may hold several nodes, separated by spaces or commas. */
export function parseNodeList(value: string): string[] {
  return value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}

export interface NodeObserver {
  /** A node went down or came back. */
  state?(node: string, up: boolean): void;
  /** A request was moved from one node to the next. */
  failover?(from: string, to: string): void;
}

interface CouchNode {
  url: URL;
  /** Redacted `host:port`, for logs and metric labels. */
  label: string;
  /** Authorization for this node (nano only knows the first node's credentials). */
  auth: string | null;
  up: boolean;
  /** `quick` for requests with timeouts, `bulk` for large reads (longer ones), `feed` for long polls; replaced when the node goes down. */
  agents: Record<AgentKind, Agent>;
}

export type AgentKind = 'quick' | 'bulk' | 'feed';

/** Errors that show the request never reached the node: safe to send elsewhere, whatever the method. */
const NOT_SENT = /ECONNREFUSED|UND_ERR_CONNECT_TIMEOUT|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN/;
/** Errors after which the node may have seen the request: only reads are sent elsewhere. */
const NODE_GONE = /ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_DESTROYED|ETIMEDOUT|other side closed/;

function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return `${e?.code || ''} ${e?.message || ''} ${e?.cause?.code || ''} ${e?.cause?.message || ''}`;
}

/** The Basic authorization a URL's credentials stand for, or null without any. */
export function basicAuth(u: URL): string | null {
  if (!u.username) return null;
  return 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
}

export class CouchCluster {
  readonly nodes: CouchNode[];
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private closed = false;

  constructor(urls: string[], private makeAgents: () => Record<AgentKind, Agent>, private opts: {
    probeIntervalMs?: number; probeTimeoutMs?: number; observer?: NodeObserver;
  } = {}) {
    this.nodes = urls.map((raw) => {
      const url = new URL(raw);
      return { url, label: url.host, auth: basicAuth(url), up: true, agents: makeAgents() };
    });
  }

  /** Nodes in the order to try them: up ones in list order, then the down ones as a last resort. */
  order(): CouchNode[] {
    return [...this.nodes.filter((n) => n.up), ...this.nodes.filter((n) => !n.up)];
  }

  markDown(node: CouchNode): void {
    if (!node.up || this.closed) return;
    node.up = false;
    this.opts.observer?.state?.(node.label, false);
    // Requests still waiting on the dead node (long-polled change feeds above all) would otherwise
    // hang until their own timeout; a fresh agent starts them over on the next node.
    const old = node.agents;
    node.agents = this.makeAgents();
    for (const a of Object.values(old)) a.destroy().catch(() => {});
    this.scheduleProbe();
  }

  private markUp(node: CouchNode): void {
    if (node.up) return;
    node.up = true;
    this.opts.observer?.state?.(node.label, true);
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(), this.opts.probeIntervalMs ?? 1000);
    this.probeTimer.unref();
  }

  /** Asks every down node for its welcome; any answer below 500 means it is back. */
  private async probe(): Promise<void> {
    this.probeTimer = null;
    if (this.probing || this.closed) return;
    this.probing = true;
    try {
      await Promise.all(this.nodes.filter((n) => !n.up).map(async (node) => {
        try {
          const res = await node.agents.quick.request({
            origin: node.url.origin, path: node.url.pathname, method: 'GET',
            headers: node.auth ? { authorization: node.auth } : {},
            headersTimeout: this.opts.probeTimeoutMs ?? 2000, bodyTimeout: this.opts.probeTimeoutMs ?? 2000,
          });
          await res.body.dump();
          if (res.statusCode < 500) this.markUp(node);
        } catch { /* still down */ }
      }));
    } finally {
      this.probing = false;
      if (this.nodes.some((n) => !n.up)) this.scheduleProbe();
    }
  }

  failedOver(from: CouchNode, to: CouchNode): void {
    this.opts.observer?.failover?.(from.label, to.label);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    await Promise.all(this.nodes.flatMap((n) => Object.values(n.agents).map((a) => a.close().catch(() => {}))));
  }
}

type Handler = Dispatcher.DispatchHandlers;

/** The undici Dispatcher nano is given: picks the node for each request and fails over. */
export class ClusterDispatcher extends Dispatcher {
  constructor(private cluster: CouchCluster, private kind: AgentKind) { super(); }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Handler): boolean {
    const body = opts.body as unknown;
    if (body && typeof body === 'object' && !Buffer.isBuffer(body) && !(body instanceof Uint8Array)
      && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
      // fetch hands its body over as a one-shot stream; CouchDB bodies are small JSON, so keep a
      // copy that can be sent again to the next node.
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const c of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
        return Buffer.concat(chunks);
      })().then((buf) => { new Attempt(this.cluster, this.kind, { ...opts, body: buf }, handler).next(); },
        (err) => handler.onError?.(err));
      return true;
    }
    new Attempt(this.cluster, this.kind, opts, handler).next();
    return true;
  }

  // The cluster owns the agents and is closed once, through Couch.close().
  async close(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** One request's way through the node list. */
class Attempt {
  private queue: CouchNode[];
  private node: CouchNode | null = null;
  private abortCurrent: ((reason?: Error) => void) | null = null;
  private aborted: Error | null = null;
  private connected = false;
  /** The current node's 5xx answer is being thrown away; the request goes to the next node. */
  private discarding = false;
  private started = false;
  private gen = 0;
  private readonly idempotent: boolean;
  private readonly replayable: boolean;

  constructor(private cluster: CouchCluster, private kind: AgentKind, private opts: Dispatcher.DispatchOptions, private handler: Handler) {
    this.queue = cluster.order();
    this.idempotent = opts.method === 'GET' || opts.method === 'HEAD';
    const b = opts.body as unknown;
    this.replayable = b == null || typeof b === 'string' || Buffer.isBuffer(b) || b instanceof Uint8Array;
  }

  next(): void {
    const previous = this.node;
    this.node = this.queue.shift()!;
    if (previous) this.cluster.failedOver(previous, this.node);
    this.discarding = false;
    this.started = false;
    // nano wrote the first node's path prefix (a CouchDB behind a proxy path); swap in this node's.
    const firstPrefix = this.cluster.nodes[0].url.pathname.replace(/\/$/, '');
    const prefix = this.node.url.pathname.replace(/\/$/, '');
    const path = prefix === firstPrefix ? this.opts.path : prefix + String(this.opts.path).slice(firstPrefix.length);
    const headers = withAuth(this.opts.headers, this.node.auth);
    // Each try gets its own handler, so a late callback of an abandoned try cannot reach the caller.
    const gen = ++this.gen;
    const live = () => gen === this.gen;
    const h: Handler = {
      onConnect: (abort) => { if (live()) this.onConnect(abort); },
      onError: (err) => { if (live()) this.onError(err); },
      onHeaders: (status, raw, resume, text) => (live() ? this.onHeaders(status, raw, resume, text) : true),
      onData: (chunk) => (live() ? this.onData(chunk) : true),
      onComplete: (trailers) => { if (live()) this.onComplete(trailers); },
      onBodySent: (size, total) => { if (live()) this.onBodySent(size, total); },
      onUpgrade: (status, raw, socket) => { if (live()) this.onUpgrade(status, raw, socket); },
      ...({ onResponseStarted: () => { if (live()) this.onResponseStarted(); } } as object),
    };
    this.node.agents[this.kind].dispatch({ ...this.opts, origin: this.node.url.origin, path, headers }, h);
  }

  private canMove(err: unknown): boolean {
    if (this.aborted || this.started || !this.replayable || !this.queue.length) return false;
    const text = errorText(err);
    return NOT_SENT.test(text) || (this.idempotent && NODE_GONE.test(text));
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortCurrent = abort;
    if (this.connected) return;
    this.connected = true;
    this.handler.onConnect?.((reason?: Error) => {
      this.aborted = reason ?? new Error('aborted');
      this.abortCurrent?.(reason);
    });
  }

  onError(err: Error): void {
    // Marking the node down destroys its agent, which may end the discarded answer with an error
    // instead of onComplete: either way, on to the next node.
    if (this.discarding) { this.next(); return; }
    const text = errorText(err);
    if (!this.aborted && (NOT_SENT.test(text) || NODE_GONE.test(text))) this.cluster.markDown(this.node!);
    if (this.canMove(err)) { this.next(); return; }
    this.handler.onError?.(err);
  }

  onHeaders(statusCode: number, headers: Buffer[] | string[] | null, resume: () => void, statusText: string): boolean {
    if ([502, 503, 504].includes(statusCode)) {
      this.cluster.markDown(this.node!);
      if (this.idempotent && this.replayable && this.queue.length && !this.aborted) {
        this.discarding = true;
        return true;
      }
    }
    this.started = true;
    return this.handler.onHeaders?.(statusCode, headers as Buffer[], resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    if (this.discarding) return true;
    return this.handler.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    if (this.discarding) { this.next(); return; }
    this.handler.onComplete?.(trailers);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void { this.handler.onBodySent?.(chunkSize, totalBytesSent); }
  onResponseStarted(): void { (this.handler as { onResponseStarted?: () => void }).onResponseStarted?.(); }
  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: import('node:stream').Duplex): void {
    this.handler.onUpgrade?.(statusCode, headers, socket);
  }
}

/** The request's headers with this node's credentials (nodes may differ from the first one). */
function withAuth(headers: Dispatcher.DispatchOptions['headers'], auth: string | null): Dispatcher.DispatchOptions['headers'] {
  if (!auth) return headers;
  if (Array.isArray(headers)) {
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() !== 'authorization') out.push(String(headers[i]), String(headers[i + 1]));
    }
    return [...out, 'authorization', auth];
  }
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries((headers || {}) as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() !== 'authorization') out[k] = v;
  }
  out.authorization = auth;
  return out;
}

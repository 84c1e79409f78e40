// Last-good copies of the files this instance served, on local disk, so that a restart while CouchDB
// is slow or gone (a power cut brings both back at once) still answers the phones that were served
// before. A copy goes out during start-up only to a request that looks exactly like the one that was
// last served it: same client IP, same URL password, same Basic credentials, same client certificate
// (compared as an HMAC, in constant time). A phone that authenticated with Digest cannot repeat its
// request (the nonce changes), so its files wait for CouchDB. Common files carry no secrets and are
// served to anyone, as they are when the server runs. Everything else answers 503 with Retry-After
// until the services are up; then the normal pipeline takes over and the copies are only written.
//
// Layout: <dir>/index.json (key → etag, content type, fingerprint, time) and <dir>/bodies/<sha256 of
// the etag>, written once per distinct body. The directory is 0700 and the files 0600: the bodies hold
// SIP passwords, as the embedded CouchDB's files do.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Rendered } from '../render/pipeline.js';

/** A kept file, and the account it belongs to (null for a common file). */
export interface Copy { rendered: Rendered; accountId: string | null }

/** What identifies a request for the replay check; null fields are absent. */
export interface Requester { ip: string; pass: string | null; authorization: string; certFingerprint: string | null }

interface Entry {
  etag: string; type: string; /** HMAC of the requester; absent for a common file. */ fp?: string; at: number;
  /** The phone's MAC and account (device files), so an account's deletion removes its copies. */
  mac?: string; account?: string;
}

/** How long a copy may be served at start-up: older ones wait for CouchDB like everything else. */
export const LAST_GOOD_MAX_AGE_MS = 7 * 86_400_000;
/** At most this many files (the oldest go first): bounded memory and disk whatever phones ask. */
export const LAST_GOOD_MAX_ENTRIES = 250_000;
const FLUSH_MS = 30_000;
/** A file served again unchanged refreshes its time only this rarely, so steady traffic writes nothing. */
const REFRESH_MS = 3_600_000;

const bodyName = (etag: string) => createHash('sha256').update(etag).digest('hex');

/** The client certificate's SHA-256 fingerprint, when the TLS handshake verified one. */
export function certFingerprintOf(socket: unknown): string | null {
  const tls = socket as TLSSocket;
  if (!tls || typeof tls.getPeerCertificate !== 'function' || !tls.authorized) return null;
  return tls.getPeerCertificate()?.fingerprint256 || null;
}

export class LastGood {
  private entries = new Map<string, Entry>();
  private written = new Set<string>();
  private key: Buffer;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  /** `dir` null: switched off (LAST_GOOD_DIR=off); nothing is kept or served. */
  constructor(private dir: string | null, private log: Logger, private now: () => number = Date.now) {
    this.key = randomBytes(32);
    if (!dir) return;
    mkdirSync(join(dir, 'bodies'), { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    this.load();
    this.timer = setInterval(() => { void this.flush(); }, FLUSH_MS);
    this.timer.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  private load(): void {
    const dir = this.dir!;
    const index = join(dir, 'index.json');
    // A new key (no index yet, or an unreadable one) reaches the disk with the first flush.
    this.dirty = true;
    if (!existsSync(index)) return;
    try {
      const doc = JSON.parse(readFileSync(index, 'utf8')) as { key: string; entries: Record<string, Entry> };
      this.key = Buffer.from(doc.key, 'hex');
      const oldest = this.now() - LAST_GOOD_MAX_AGE_MS;
      for (const [k, e] of Object.entries(doc.entries || {})) {
        if (e.at >= oldest && existsSync(join(dir, 'bodies', bodyName(e.etag)))) this.entries.set(k, e);
      }
      for (const e of this.entries.values()) this.written.add(e.etag);
      this.dirty = false;
      this.log.info({ files: this.entries.size, dir }, 'last-good copies loaded: served to the phones that fetched them while the services start');
    } catch (err) {
      // A torn or foreign file: start empty rather than fail the start-up.
      this.log.warn({ err: (err as Error).message, dir }, 'last-good copies not readable; starting without them');
      this.entries.clear();
    }
  }

  /**
   * The last fingerprint per connection: a phone on a kept-alive connection asks again with the same
   * credentials, and an HMAC per request was a measurable share of a warm fetch. Whether the input
   * matched decides only whether the same HMAC is computed again, never who is let in.
   */
  private lastFp = new WeakMap<object, { input: string; fp: string }>();

  private fingerprint(r: Requester, connection?: object): string {
    const input = [r.ip, r.pass ?? '', r.authorization, r.certFingerprint ?? ''].join('\n');
    const memo = connection && this.lastFp.get(connection);
    if (memo && memo.input === input) return memo.fp;
    const fp = createHmac('sha256', this.key).update(input).digest('hex');
    if (connection) this.lastFp.set(connection, { input, fp });
    return fp;
  }

  /** After a 200 of the normal pipeline. `requester` null: a common file, for anyone. */
  record(brand: string, fileName: string, rendered: Rendered, requester: Requester | null,
    owner: { mac: string; accountId: string | null } | null = null, connection?: object): void {
    if (!this.dir) return;
    const key = `${brand}/${fileName}`;
    if (requester && /^digest\s/i.test(requester.authorization)) {
      // Not repeatable: drop an older copy so a phone that moved to Digest is never answered from it.
      if (this.entries.delete(key)) this.dirty = true;
      return;
    }
    const fp = requester ? this.fingerprint(requester, connection) : undefined;
    const at = this.now();
    const cur = this.entries.get(key);
    if (cur && cur.etag === rendered.etag && cur.fp === fp && at - cur.at < REFRESH_MS) return;
    this.entries.delete(key); // re-inserted last: Map order is age order for the trim
    this.entries.set(key, { etag: rendered.etag, type: rendered.contentType, ...(fp ? { fp } : {}), at,
      ...(owner ? { mac: owner.mac, ...(owner.accountId ? { account: owner.accountId } : {}) } : {}) });
    this.dirty = true;
    if (!this.written.has(rendered.etag)) {
      this.written.add(rendered.etag);
      writeFile(join(this.dir, 'bodies', bodyName(rendered.etag)), rendered.body, { mode: 0o600 })
        .catch((err) => { this.written.delete(rendered.etag); this.log.warn({ err: (err as Error).message }, 'last-good copy not written'); });
    }
  }

  private entryOf(brand: string, fileName: string): Entry | undefined {
    return this.dir ? this.entries.get(`${brand}/${fileName}`) : undefined;
  }

  /** The copy for this request during start-up, or null (then the caller answers 503). */
  find(brand: string, fileName: string, requester: Requester): Copy | null {
    const e = this.entryOf(brand, fileName);
    if (!e || this.now() - e.at > LAST_GOOD_MAX_AGE_MS) return null;
    if (e.fp) {
      const want = Buffer.from(e.fp, 'hex');
      const got = Buffer.from(this.fingerprint(requester), 'hex');
      if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    }
    return this.read(e);
  }

  /**
   * The copy of a file whatever the request: for the running pipeline when CouchDB cannot be reached
   * to render it, which still runs every security check on the request afterwards.
   */
  copy(brand: string, fileName: string): Copy | null {
    const e = this.entryOf(brand, fileName);
    return e ? this.read(e) : null;
  }

  private read(e: Entry): Copy | null {
    try {
      const body = readFileSync(join(this.dir!, 'bodies', bodyName(e.etag)));
      return { rendered: { body, etag: e.etag, contentType: e.type, problems: [] }, accountId: e.account ?? null };
    } catch {
      return null;
    }
  }

  /** Removes a phone's copies (its account was deleted: its secrets must not linger on disk). */
  forget(mac: string): void {
    if (!this.dir) return;
    const gone = [...this.entries].filter(([, e]) => e.mac === mac);
    for (const [key] of gone) this.entries.delete(key);
    const used = new Set([...this.entries.values()].map((e) => e.etag));
    for (const [, e] of gone) {
      if (used.has(e.etag)) continue;
      rmSync(join(this.dir, 'bodies', bodyName(e.etag)), { force: true });
      this.written.delete(e.etag);
    }
    if (gone.length) {
      this.dirty = true;
      void this.flush();
    }
  }

  private indexText(): string {
    while (this.entries.size > LAST_GOOD_MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.dirty = false;
    return JSON.stringify({ v: 1, key: this.key.toString('hex'), entries: Object.fromEntries(this.entries) });
  }

  /** Writes the index when something changed; bodies no entry names any more are removed. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.dir || !this.dirty) return;
      try {
        // Written beside and renamed over: a crash mid-write leaves the previous index whole.
        const tmp = join(this.dir, `index.json.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
        await writeFile(tmp, this.indexText(), { mode: 0o600 });
        renameSync(tmp, join(this.dir, 'index.json'));
        const etags = new Set([...this.entries.values()].map((e) => e.etag));
        if (this.written.size > etags.size * 2 + 1000) {
          const used = new Set([...etags].map(bodyName));
          for (const name of readdirSync(join(this.dir, 'bodies'))) if (!used.has(name)) rmSync(join(this.dir, 'bodies', name), { force: true });
          this.written = etags;
        }
      } catch (err) {
        this.dirty = true;
        this.log.warn({ err: (err as Error).message }, 'last-good index not written');
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

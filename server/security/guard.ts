// The phone-request auth pipeline, as small steps in the order they run:
//   banned?  →  (file rendered by the caller)  →  network (CIDR)  →  client certificate  →
//   credentials (Digest / Basic over TLS / legacy pass=)  →  contact (first contact, lock, window,
//   credentials required)  →  commit (pin the first contact).
// Every step answers with a reason or lets the request go on; the route turns any reason into the
// same refusal (refusal()), so an unknown MAC, another tenant's MAC, a disabled account and wrong
// credentials look alike.
import type { Services } from '../services.js';
import type { Bans } from './bans.js';
import type { ClientCert } from './client-cert.js';
import type { CredentialStore, DeviceCredentials } from './credentials.js';
import { challengeHeaders, digestMatches, parseDigest, type NonceStore } from './digest.js';
import { FIRST_CONTACT_WINDOW, type Locks, type LockDoc } from './locks.js';
import { credentialsRequired, inCidrs, parseCidrs, type SecuritySettings, type SettingsStore } from './settings.js';
import { sameAsKnownSecret, sameSecret } from './same-secret.js';

export interface PhoneRequest {
  ip: string;
  mac: string;
  method: string;
  /** The request target as sent (path and query): what a Digest `uri` must name. */
  uri: string;
  authorization: string;
  /** `pass=` of the original project's URLs, if given. */
  pass: string | null;
  /** Over TLS, ours or a trusted proxy's. */
  secure: boolean;
  cert: ClientCert;
  /**
   * Whether a refusal is a Digest challenge (401) rather than a 404. Decided from the request alone
   * (it offered credentials, or it says it is a phone of this brand, and it carries no `pass=`), never
   * from what we know about the MAC: that would tell a prober which MACs exist.
   */
  challenge: boolean;
}

export type Verdict =
  | { ok: true; commit: () => Promise<boolean> }
  | { ok: false; reason: string; stale?: boolean };

export interface Refusal { status: 401 | 404; headers: Record<string, string | string[]> }

export interface SecurityParts {
  settings: SettingsStore; credentials: CredentialStore; nonces: NonceStore; bans: Bans; locks: Locks;
}

const deny = (reason: string, stale = false): Verdict => ({ ok: false, reason, stale });

export class PhoneGuard {
  constructor(private s: Services, private p: SecurityParts) {}

  /** Step 0, before any work: a banned IP gets nothing (unless its ban was lifted for this account or a window is open). */
  async banned(ip: string, accountId: string | null, answering = false): Promise<boolean> {
    // CouchDB unreachable and this IP not seen lately: bans made here are still in memory.
    const blocked = await this.p.bans.blocks(ip, accountId, answering).catch(() => false);
    if (!blocked) return false;
    return !(accountId && (await this.p.locks.windowOpen(accountId, ip).catch(() => false)));
  }

  /** Certificate MAC ≠ requested MAC: refused whatever the account says. */
  certMismatch(req: PhoneRequest): boolean {
    return !!req.cert?.verified && !req.cert.macs.includes(req.mac);
  }

  /** Steps after the file was rendered for `accountId`. */
  async authorize(req: PhoneRequest, accountId: string): Promise<Verdict> {
    const settings = await this.p.settings.get(accountId);
    const urlpass = this.s.kazoo.account(accountId)?.provision?.urlpass;
    const network = this.network(req, settings);
    if (network) return deny(network);
    const certOk = !!req.cert?.verified && req.cert.macs.includes(req.mac);
    if (settings.require_client_cert && !certOk) return deny('client_cert_required');
    const auth = await this.credentials(req, accountId);
    if (!auth.ok) return auth;
    const legacy = this.urlPassword(req, urlpass, auth.device || certOk);
    if (legacy && !(await this.passwordlessFirstContact(req, accountId))) return deny(legacy);
    return this.contact(req, accountId, settings, auth.device || certOk, credentialsRequired(settings, urlpass), auth.retire);
  }

  private network(req: PhoneRequest, settings: SecuritySettings): string | null {
    if (!settings.cidrs.length) return null;
    const list = parseCidrs(settings.cidrs);
    return typeof list !== 'number' && inCidrs(list, req.ip) ? null : 'cidr_not_allowed';
  }

  /** Per-device credentials, if the request carries any. `device`: they were good. */
  private async credentials(req: PhoneRequest, accountId: string):
    Promise<{ ok: true; device: boolean; retire: boolean } | { ok: false; reason: string; stale?: boolean }> {
    const header = req.authorization;
    if (!header) return { ok: true, device: false, retire: false };
    const creds = await this.p.credentials.find(accountId, req.mac);
    if (/^\s*basic\s/i.test(header)) {
      // A password in clear text only over TLS; it is not even looked at otherwise.
      if (!req.secure) return { ok: false, reason: 'basic_without_tls' };
      const decoded = Buffer.from(header.trim().slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const which = creds && colon > 0 ? this.p.credentials.matches(creds, decoded.slice(0, colon), decoded.slice(colon + 1)) : null;
      if (!which) return { ok: false, reason: 'bad_credentials' };
      return { ok: true, device: true, retire: which === 'current' && !!creds!.previous_password };
    }
    const d = parseDigest(header);
    if (!d || !creds || d.realm !== this.p.credentials.realm || !sameSecret(d.username, creds.username) || d.qop !== 'auth') {
      return { ok: false, reason: 'bad_credentials' };
    }
    if (d.uri !== req.uri) return { ok: false, reason: 'digest_uri_mismatch' };
    const which = digestMatches(d, req.method, passwordsOf(creds));
    if (which < 0) return { ok: false, reason: 'bad_credentials' };
    const nonce = await this.p.nonces.use(d.nonce, d.nc, req.ip);
    if (nonce === 'stale') return { ok: false, reason: 'digest_stale_nonce', stale: true };
    if (nonce !== 'ok') return { ok: false, reason: nonce === 'replay' ? 'digest_replay' : 'digest_bad_nonce' };
    this.p.bans.answered(req.ip, d.nonce);
    return { ok: true, device: true, retire: which === 0 && !!creds.previous_password };
  }

  /** The original project's account URL password: required while set, unless the device authenticated itself. */
  private urlPassword(req: PhoneRequest, urlpass: unknown, deviceAuth: boolean): string | null {
    if (typeof urlpass !== 'string' || !urlpass) return null;
    if (req.pass !== null) return sameAsKnownSecret(req.pass, urlpass) ? null : 'bad_password';
    return deviceAuth ? null : 'bad_password';
  }

  /**
   * Phones the original project served without a password (Mitel/Aastra) never send `pass=`. While
   * the account's first-contact window is open, such a phone may fetch once, before any lock exists:
   * that fetch pins it (contact()) and its file hands it per-device credentials, which it needs from
   * then on. A wrong `pass=` stays wrong; the window closes by itself.
   */
  private async passwordlessFirstContact(req: PhoneRequest, accountId: string): Promise<boolean> {
    if (req.pass !== null) return false;
    if (!(await this.p.locks.windowOpen(accountId, FIRST_CONTACT_WINDOW))) return false;
    return !(await this.p.locks.get(accountId, req.mac));
  }

  private async contact(req: PhoneRequest, accountId: string, settings: SecuritySettings, deviceAuth: boolean,
    required: boolean, retire: boolean): Promise<Verdict> {
    const lock = await this.p.locks.get(accountId, req.mac);
    let window: boolean | null = null;
    const windowOpen = async () => (window ??= await this.p.locks.windowOpen(accountId, req.ip));
    let pin = false;
    if (!lock) {
      if (!deviceAuth && !(await this.firstContactOpen(accountId, req.mac, settings)) && !(await windowOpen())) return deny('first_contact_closed');
      pin = true;
    } else {
      const moved = lock.ip !== req.ip;
      if (settings.first_contact_lock && moved) {
        if (!(await windowOpen())) return deny('locked');
        pin = true;
      }
      const inGrace = this.s.app.now() - lock.first_at < settings.first_contact_grace_minutes * 60_000;
      if (required && !deviceAuth && !inGrace && !pin) {
        // A window lets a reset phone (which lost its credentials) start over.
        if (!(await windowOpen())) return deny('credentials_required');
        pin = true;
      }
    }
    return { ok: true, commit: () => this.commit(req, accountId, pin ? lock : undefined, retire) };
  }

  /** Whether a device that never fetched may do so now without credentials (a window aside). */
  private async firstContactOpen(accountId: string, mac: string, settings: SecuritySettings): Promise<boolean> {
    if (!settings.allow_first_contact) return false;
    const within = settings.first_contact_within_minutes;
    if (!within) return true;
    const found = this.s.macIndex.lookup(mac);
    const created = found.kind === 'devices' ? Math.max(...found.entries.map((e) => createdMs(e.created))) : 0;
    const since = Math.max(created, await this.p.locks.unlockedAt(accountId, mac));
    return this.s.app.now() - since < within * 60_000;
  }

  /** After the checks passed: pin a first contact (false: someone else pinned it first, elsewhere). */
  private async commit(req: PhoneRequest, accountId: string, repin: LockDoc | null | undefined, retire: boolean): Promise<boolean> {
    if (retire) void this.p.credentials.retirePrevious(accountId, req.mac).catch(() => {});
    if (repin === undefined) return true;
    return this.p.locks.pin(accountId, req.mac, req.ip, repin);
  }

  /**
   * What a refused request gets, and its bookkeeping: one fail2ban line, one count towards the IP's
   * probe limit (a bare request answered with a challenge is taken back by a good answer; see
   * bans.ts). `settle`: the refusal delay, run here so that a challenge is counted when it is sent,
   * not before the delay: a phone answers within a round trip, and phones behind one NAT booting
   * together then hold few unanswered challenges at a time. Anything else counts before the delay.
   */
  async refusal(req: { ip: string; mac: string | null; challenge: boolean; authorization?: string; secure?: boolean }, reason: string,
    opts: { stale?: boolean; banned?: boolean; count?: boolean; settle?: () => Promise<void> } = {}): Promise<Refusal> {
    this.s.app.log.warn({ ip: req.ip, mac: req.mac || undefined, reason },
      `provision-auth-failure ip=${req.ip} mac=${req.mac || '-'} reason=${reason.split(' ')[0]}`);
    const challenge = req.challenge && !!req.mac;
    const nonce = challenge ? await this.p.nonces.issue(req.ip) : undefined;
    const counts = !!req.mac && opts.count !== false && !opts.banned;
    const held = challenge && !req.authorization ? nonce : undefined;
    const count = () => this.p.bans.failed(req.ip, held).catch((err) =>
      this.s.app.log.error({ err: (err as Error).message }, 'probe counting failed'));
    if (counts && !held) await count();
    await opts.settle?.();
    if (counts && held) await count();
    if (!challenge) return { status: 404, headers: {} };
    const offers = challengeHeaders(this.p.credentials.realm, nonce!, this.p.nonces.opaque, !!opts.stale);
    // Basic is offered only where it is allowed: over TLS.
    if (req.secure) offers.push(`Basic realm="${this.p.credentials.realm}", charset="UTF-8"`);
    return { status: 401, headers: { 'WWW-Authenticate': offers } };
  }
}

/**
 * A MAC index entry's creation time in Unix ms. Kazoo stamps `pvt_created` in Gregorian seconds
 * (seconds since year 0); an entry known only from Kazoo's push carries the push time in Unix ms,
 * a number a thousand times larger than any Gregorian second of our era. 0: unknown, long ago.
 */
const GREGORIAN_UNIX_EPOCH = 62_167_219_200;
export function createdMs(created: number): number {
  if (created > 1e12) return created;
  return created > GREGORIAN_UNIX_EPOCH ? (created - GREGORIAN_UNIX_EPOCH) * 1000 : 0;
}

function passwordsOf(c: DeviceCredentials): string[] {
  return c.previous_password ? [c.password, c.previous_password] : [c.password];
}

// Per-device provisioning credentials: one random username/password per phone (per MAC in an
// account), created the first time a config is rendered for it or an admin asks. They are rendered
// into the phone's own file (settings.prov_username / prov_password), so the phone authenticates its
// later fetches with them. After a rotation the previous password stays valid until the phone has
// used the new one once (it learns the new one from the config it fetches with the old one).
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { getOrNull, statusOf } from '../couch/client.js';
import { sameSecret } from './same-secret.js';
import { CACHE_TTL_MS, TtlCache } from './ttl-cache.js';

export interface DeviceCredentials {
  username: string;
  password: string;
  /** Still accepted after a rotation until the phone first uses `password`. */
  previous_password?: string;
}

interface CredentialDoc extends DeviceCredentials {
  _id: string; _rev?: string; pvt_type: 'provision_credentials'; account_id: string; mac: string;
  created_at: number; rotated_at?: number;
}

export const credentialsId = (accountId: string, mac: string) => `provcred:${accountId}:${mac}`;

/** 144 random bits, URL- and config-safe (no quotes, spaces or '&'). */
const newPassword = () => randomBytes(18).toString('base64url');

export class CredentialStore {
  private cache: TtlCache<CredentialDoc | null>;
  /** Called after a rotation, so rendered files carrying the old password are dropped. */
  onRotate: (accountId: string, mac: string) => void = () => {};

  constructor(private app: AppContext) {
    this.cache = new TtlCache(app, CACHE_TTL_MS);
  }

  /** The realm of Digest challenges: the same for every request, so it says nothing about a MAC. */
  get realm(): string {
    return new URL(this.app.config.publicUrl).hostname || 'kazoo-provision';
  }

  async find(accountId: string, mac: string): Promise<CredentialDoc | null> {
    return this.cache.get(credentialsId(accountId, mac), () => getOrNull<CredentialDoc>(this.app.stateDb, credentialsId(accountId, mac)));
  }

  /** The device's credentials, created on first need. */
  async ensure(accountId: string, mac: string): Promise<DeviceCredentials> {
    const found = await this.find(accountId, mac);
    if (found) return found;
    const doc: CredentialDoc = { _id: credentialsId(accountId, mac), pvt_type: 'provision_credentials', account_id: accountId, mac,
      // The username only names the phone; the password is the secret.
      username: `prov-${mac}`, password: newPassword(), created_at: this.app.now() };
    try {
      doc._rev = (await this.app.stateDb.insert(doc)).rev;
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      // Another request or instance created them first: theirs count.
      this.cache.drop(doc._id);
      return (await this.find(accountId, mac))!;
    }
    this.cache.set(doc._id, doc);
    return doc;
  }

  async rotate(accountId: string, mac: string, keepPrevious: boolean): Promise<DeviceCredentials> {
    for (let attempt = 0; attempt < 5; attempt++) {
      this.cache.drop(credentialsId(accountId, mac));
      const cur = await this.ensure(accountId, mac) as CredentialDoc;
      const next: CredentialDoc = { ...cur, password: newPassword(), rotated_at: this.app.now() };
      if (keepPrevious) next.previous_password = cur.password;
      else delete next.previous_password;
      try {
        await this.app.stateDb.insert(next);
      } catch (err) {
        if (statusOf(err) === 409) continue;
        throw err;
      }
      this.cache.drop(next._id);
      this.onRotate(accountId, mac);
      return next;
    }
    throw new Error('credentials kept changing while being rotated');
  }

  /** The phone used the new password: the previous one stops working. */
  async retirePrevious(accountId: string, mac: string): Promise<void> {
    const cur = await getOrNull<CredentialDoc>(this.app.stateDb, credentialsId(accountId, mac));
    if (!cur?.previous_password) return;
    delete cur.previous_password;
    await this.app.stateDb.insert(cur).catch((err) => { if (statusOf(err) !== 409) throw err; });
    this.cache.drop(cur._id);
  }

  /** Basic auth: whether user/password are this device's (current or previous password). */
  matches(creds: DeviceCredentials, username: string, password: string): 'current' | 'previous' | null {
    // Both comparisons always run, in constant time.
    const user = sameSecret(username, creds.username);
    const cur = sameSecret(password, creds.password);
    const prev = sameSecret(password, creds.previous_password ?? '\0none');
    if (!user) return null;
    return cur ? 'current' : prev && creds.previous_password ? 'previous' : null;
  }

  /** Every device's credentials in one range read (see TtlCache.prime). */
  preload(): Promise<number> {
    return this.cache.prime<CredentialDoc>('provcred:', (d) => d._id, (d) => d);
  }

  /** True when the stored credentials differ from what this instance holds. */
  changed(id: string, rev?: string): boolean {
    return this.cache.drop(id, rev);
  }
}

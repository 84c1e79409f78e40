// The security parts, built once per server and shared by the phone route and the admin API. They
// follow the state database's change feed, so a ban, unlock, rotation or settings change made on
// one instance reaches the caches of every other within a moment (their TTLs are the fallback).
import type { Services } from '../services.js';
import { follow, type Follower } from '../couch/follow.js';
import { Bans } from './bans.js';
import { CredentialStore } from './credentials.js';
import { NonceStore } from './digest.js';
import { PhoneGuard, type SecurityParts } from './guard.js';
import { Locks } from './locks.js';
import { SettingsStore } from './settings.js';
import { Sweeper } from './sweeper.js';

export interface Security extends SecurityParts { guard: PhoneGuard; stop(): Promise<void> }

/** Built once by startServices, after the render cache (rendered files carry device credentials). */
export function startSecurity(s: Services): Security {
  const app = s.app;
  const parts: SecurityParts = {
    settings: new SettingsStore(app), credentials: new CredentialStore(app), nonces: new NonceStore(app),
    bans: new Bans(app), locks: new Locks(app),
  };
  // Rendered files carry the device's credentials: drop them when the credentials change.
  parts.credentials.onRotate = (_accountId, mac) => s.phoneFiles.dropMac(mac);
  const sweeper = new Sweeper(app);
  let follower: Follower | null = null;
  const started = app.stateDb.info().then((info) => {
    follower = follow(app.couch.feed.use(app.names.state), {
      since: String(info.update_seq), log: app.log, label: 'security-state',
      onChanges: (changes) => { for (const c of changes) applyChange(s, parts, c.id, c.rev); },
    });
  }).catch((err) => app.log.warn({ err: (err as Error).message }, 'security: state feed not started; caches expire by time'));
  return {
    ...parts, guard: new PhoneGuard(s, parts),
    async stop() {
      sweeper.stop();
      await started;
      await follower?.stop();
    },
  };
}

function applyChange(s: Services, p: SecurityParts, id: string, rev?: string): void {
  const [kind, a, b] = id.split(':');
  if (kind === 'provsec') p.settings.changed(a);
  else if (kind === 'provcred') {
    // Our own write echoed back needs nothing; a change made elsewhere also changes the rendered file.
    if (p.credentials.changed(id, rev) && b) s.phoneFiles.dropMac(b);
  }
  else if (kind === 'ban') p.bans.changed(id.slice(4));
  else if (kind === 'lock') p.locks.changed(id, rev);
}

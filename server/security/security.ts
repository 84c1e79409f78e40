// The security parts, built once per server and shared by the phone route and the admin API. They
// listen to the state database's change feed, so a ban, unlock, rotation or settings change made on
// one instance reaches the caches of every other within a moment (their TTLs are the fallback).
import type { Services } from '../services.js';
import { Bans } from './bans.js';
import { CredentialStore } from './credentials.js';
import { NonceStore } from './digest.js';
import { PhoneGuard, type SecurityParts } from './guard.js';
import { Locks } from './locks.js';
import { SettingsStore } from './settings.js';
import { Sweeper } from './sweeper.js';

export interface Security extends SecurityParts {
  guard: PhoneGuard;
  /** Resolves once the caches are preloaded (or that failed, logged). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

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
  s.stateFeed.on(['provsec:', 'provcred:', 'ban:', 'lock:'], (changes) => { for (const c of changes) applyChange(s, parts, c.id, c.rev); });
  // After a power cut every phone asks at once: its lock and credentials are then already in memory.
  // The feed (from a sequence read before this) keeps the preloaded entries true.
  const ready = (async () => {
    const t0 = Date.now();
    const [locks, credentials, bans, settings] = await Promise.all([parts.locks.preload(), parts.credentials.preload(),
      parts.bans.preload(), parts.settings.preload(), parts.nonces.load()]);
    app.log.info({ locks, credentials, bans, settings, ms: Date.now() - t0 }, 'security caches preloaded');
  })().catch((err) => app.log.warn({ err: (err as Error).message }, 'security caches not preloaded; each phone reads its own on first fetch'));
  return {
    ...parts, guard: new PhoneGuard(s, parts), ready,
    async stop() {
      sweeper.stop();
      await ready;
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

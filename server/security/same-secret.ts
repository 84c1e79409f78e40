// Comparing a secret someone sent with one of ours, in constant time: both are hashed first, so the
// lengths match and the time taken says nothing about where they differ. Used by the API's token
// check and the phones' credentials, URL passwords and Digest responses.
import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** Hashes of our own secrets that every phone request of an account is compared with (its URL password). */
const knownHashes = new Map<string, Buffer>();

/** sameSecret, with `known` one of our few long-lived secrets: its hash is computed once (bounded). */
export function sameAsKnownSecret(given: string, known: string): boolean {
  let h = knownHashes.get(known);
  if (!h) {
    if (knownHashes.size >= 10_000) knownHashes.clear();
    knownHashes.set(known, (h = sha256(known)));
  }
  return timingSafeEqual(sha256(given), h);
}

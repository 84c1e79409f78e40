// Mutual TLS: the MAC(s) in a phone's factory certificate. Vendors put the MAC in the subject:
// Cisco MPP in S (stateOrProvinceName, "ST" in Node), Polycom and Yealink in CN (sometimes with a
// prefix or separators). Only a certificate that chains to TLS_CLIENT_CA counts.
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { normalizeMac } from '../kazoo/mac.js';

export type ClientCert = { verified: true; macs: string[] } | { verified: false } | null;

const MAC_IN_TEXT = /(?:^|[^0-9a-f])([0-9a-f]{2}(?:[:-]?[0-9a-f]{2}){5})(?![0-9a-f])/gi;

export function macsOfSubject(subject: Partial<Record<string, string | string[]>> | undefined): string[] {
  const out = new Set<string>();
  for (const field of ['CN', 'ST', 'serialNumber']) {
    const raw = subject?.[field];
    for (const value of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      for (const m of String(value).matchAll(MAC_IN_TEXT)) {
        const mac = normalizeMac(m[1]);
        if (mac) out.add(mac);
      }
    }
  }
  return [...out];
}

/** null: plain HTTP or no certificate; verified false: one that does not chain to our CA. */
export function clientCertOf(socket: unknown): ClientCert {
  const tls = socket as TLSSocket;
  if (!tls || typeof tls.getPeerCertificate !== 'function') return null;
  const cert = tls.getPeerCertificate() as PeerCertificate | undefined;
  if (!cert || !Object.keys(cert).length) return null;
  if (!tls.authorized) return { verified: false };
  return { verified: true, macs: macsOfSubject(cert.subject as unknown as Record<string, string>) };
}

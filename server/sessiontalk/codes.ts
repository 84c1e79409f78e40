// Activation codes and the text SessionTalk apps scan (reference §1.1). A code is 144 random bits in
// base64url: no ':' (the QR's field separator) and nothing a query string would mangle.
import { randomBytes } from 'node:crypto';

export const CODE_BYTES = 18;
const CODE_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

export function newCode(): string {
  return randomBytes(CODE_BYTES).toString('base64url');
}

/** Cheap shape check before any lookup; a malformed code is answered like an unknown one. */
export function looksLikeCode(code: string): boolean {
  return CODE_SHAPE.test(code);
}

/** `scsc:user@realm:code:ProviderId`, or without the last part for a white-label app. */
export function scanPayload(username: string, code: string, providerId: string): string {
  return providerId ? `scsc:${username}:${code}:${providerId}` : `scsc:${username}:${code}`;
}

/**
 * The Windows activation link. App Installer accepts a single key/value pair inside activationUri,
 * so the '&' between username and password is written %26.
 */
export function windowsLink(appinstallerUrl: string, username: string, code: string, providerId: string): string {
  const user = providerId ? `${username}:${providerId}` : username;
  return `ms-appinstaller:?source=${appinstallerUrl}&activationUri=scsc:?username=${user}%26password=${code}`;
}

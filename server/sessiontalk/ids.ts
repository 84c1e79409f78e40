// Document ids and hashes. Every id carries the account, so a lookup can never cross tenants: a
// code of another account is simply a document that does not exist.
import { createHash } from 'node:crypto';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const codeHashOf = (code: string) => sha256(code);
/** Per account, so the same install seen by two tenants is not linkable from our data. */
export const deviceHashOf = (accountId: string, deviceId: string) => sha256(`${accountId}\n${deviceId}`);

export const settingsId = (accountId: string) => `sessiontalk_settings:${accountId}`;
export const codeId = (accountId: string, codeHash: string) => `sessiontalk_code:${accountId}:${codeHash}`;
export const activationId = (accountId: string, deviceHash: string) => `sessiontalk_activation:${accountId}:${deviceHash}`;

/** The last part of an id (the hash), which the management API uses as the public id. */
export const shortId = (docId: string) => docId.slice(docId.lastIndexOf(':') + 1);

export const HEX64 = /^[0-9a-f]{64}$/;

// A phone's remote phonebook: served only to a phone whose own config file would be served (same
// MAC → account resolution, same brand), then the account's phonebook in the brand's format. Both
// steps are cached, so a warm fetch asks CouchDB nothing.
import type { ProfileDoc } from '../catalog/types.js';
import { isConnectionError } from '../couch/errors.js';
import { profileContentType } from '../render/pipeline.js';
import type { Services } from '../services.js';
import { patternRegex } from './files.js';
import type { PhoneFiles, Served } from './phone-files.js';

/** The MAC a request for the brand's phonebook file names, or null when it is not that file. */
export function phonebookMac(profile: ProfileDoc, fileName: string): string | null {
  const file = profile.phonebook?.file;
  if (!file) return null;
  const m = patternRegex(file).exec(fileName);
  return m ? m[1].toLowerCase() : null;
}

export async function servePhonebook(s: Services, files: PhoneFiles, profile: ProfileDoc, mac: string): Promise<Served> {
  const own = await files.device(profile.brand, mac, null);
  if (!own.ok) return own;
  const accountId = own.accountId!;
  try {
    const title = s.kazoo.account(accountId)?.name || 'Directory';
    const rendered = await s.phonebooks.file(accountId, profile.phonebook!.format, title);
    if (!rendered) return { ok: false, status: 404, reason: `unsupported_file phonebook format ${profile.phonebook!.format}`, accountId };
    // The brand's profile says what its file is (Mitel's directory list is text, the others XML).
    const type = profileContentType(profile, profile.phonebook!.file);
    return { ok: true, rendered: type ? { ...rendered, contentType: type } : rendered, accountId, stale: false, cached: true };
  } catch (err) {
    if (!isConnectionError(err)) throw err;
    s.app.log.error({ err: (err as Error).message }, 'CouchDB unreachable while reading a phonebook');
    return { ok: false, status: 503, reason: 'couchdb_unreachable', accountId };
  }
}

// Telling "CouchDB is unreachable" (serve the last good copy, retry later) from real answers.
export function isConnectionError(err: unknown): boolean {
  const e = err as { statusCode?: number; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.statusCode && e.statusCode < 500) return false;
  if (e?.statusCode && e.statusCode >= 500) return true;
  const text = `${e?.code || ''} ${e?.message || ''} ${e?.cause?.code || ''} ${e?.cause?.message || ''}`;
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|EPIPE|UND_ERR|fetch failed|socket|timeout|terminated|aborted/i.test(text);
}

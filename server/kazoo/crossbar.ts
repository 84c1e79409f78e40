// Calls Kazoo's crossbar with the operator's own Kazoo token, so Kazoo applies its own rules
// (schema, "MAC address already in use", the caller's rights) to what we ask on their behalf.
import { HttpError } from '../http/errors.js';

const TIMEOUT_MS = 5000;

export interface CrossbarAnswer { status: number; data: unknown; message?: string }

/** One crossbar request; a network failure or a timeout becomes a 503 the operator can retry. */
export async function crossbar(apiUrl: string, token: string, method: string, path: string, data?: unknown): Promise<CrossbarAnswer> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl}/v2/${path}`, {
      method, signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { accept: 'application/json', 'x-auth-token': token, ...(data === undefined ? {} : { 'content-type': 'application/json' }) },
      body: data === undefined ? undefined : JSON.stringify({ data }),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new HttpError(503, 'kazoo_unreachable', `Kazoo's API did not answer (${e.name === 'TimeoutError' ? `nothing within ${TIMEOUT_MS} ms` : e.cause?.code || e.message}); try again shortly`);
  }
  let body: { data?: unknown; message?: unknown } = {};
  try { body = (await res.json()) as typeof body; } catch { /* crossbar errors are JSON; anything else keeps its status */ }
  return { status: res.status, data: body.data, message: typeof body.message === 'string' ? body.message : undefined };
}

/** The API URL, or a 503 that says what to configure. */
export function crossbarUrl(apiUrl: string | null | undefined): string {
  if (!apiUrl) throw new HttpError(503, 'kazoo_api_not_configured', 'this needs Kazoo\'s API: set KAZOO_API_URL to the crossbar URL (e.g. https://kazoo.example.com:8443)');
  return apiUrl;
}

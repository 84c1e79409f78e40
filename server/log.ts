// Structured logs (pino). Secrets never reach a log line: known secret fields are censored, and
// request logs carry paths without query strings (phones and SessionCloud send passwords there).
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const REDACT_PATHS = ['password', 'pass', 'key', 'token', 'secret', 'code', 'urlpass', 'sip.password',
  '*.password', '*.pass', '*.token', '*.secret', '*.code', 'headers.authorization', 'headers["x-auth-token"]',
  'headers.cookie'];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: 'kazoo-provision' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

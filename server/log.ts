// Structured logs (pino). Secrets never reach a log line: known secret fields are censored, and
// request logs carry paths without query strings (phones and SessionCloud send passwords there).
// On a terminal the same records are printed as readable lines; redaction happens before either.
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const REDACT_PATHS = ['password', 'pass', 'key', 'token', 'secret', 'code', 'urlpass', 'sip.password',
  '*.password', '*.pass', '*.token', '*.secret', '*.code', 'headers.authorization', 'headers["x-auth-token"]',
  'headers.cookie'];

export type LogFormat = 'auto' | 'json' | 'pretty';

export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const pretty = !destination && (format === 'pretty' || (format === 'auto' && !!process.stdout.isTTY));
  return pino({ level, base: { app: 'kazoo-provision' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime }, pretty ? prettyStdout(!!process.stdout.isTTY && !process.env.NO_COLOR) : destination);
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '90'], 20: ['DEBUG', '36'], 30: ['INFO ', '32'], 40: ['WARN ', '33'], 50: ['ERROR', '31'], 60: ['FATAL', '35'],
};
const QUIET = new Set(['level', 'time', 'app', 'msg', 'pid', 'hostname']);

/** One pino JSON record as `HH:MM:SS.mmm LEVEL message key=value …` (an error's stack indented below). */
export function prettyLine(json: string, color = false): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json);
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
  const [name, code] = LEVELS[rec.level as number] ?? [String(rec.level), '0'];
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 23) : '';
  const fields: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(rec)) {
    if (QUIET.has(k)) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: string; stack?: string };
      fields.push(`err=${JSON.stringify(e.message ?? '')}`);
      if (e.stack) stack = '\n' + e.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`).join('\n');
      continue;
    }
    fields.push(`${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`);
  }
  const level = color ? `\x1b[${code}m${name}\x1b[0m` : name;
  const extra = fields.length ? `  ${color ? '\x1b[2m' : ''}${fields.join(' ')}${color ? '\x1b[0m' : ''}` : '';
  return `${time} ${level} ${rec.msg ?? ''}${extra}${stack}\n`;
}

function prettyStdout(color: boolean): DestinationStream {
  return { write: (s: string) => { process.stdout.write(prettyLine(s, color)); } };
}

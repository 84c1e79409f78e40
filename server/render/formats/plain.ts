// Plain configuration files: `key = value`, `key: value`, `KEY="value"` — one writer, the
// delimiter and quoting from the template's format.
import type { FormatSpec } from '../../catalog/types.js';

export function writePlain(entries: Array<[string, string]>, f: FormatSpec): string {
  const eol = f.line_ending || '\n';
  const delimiter = f.delimiter ?? ' = ';
  const comment = f.comment_prefix ?? '#';
  const quote = (v: string) => (f.quote === 'double' ? `"${v.replace(/"/g, '\\"')}"` : v);
  const lines: string[] = [];
  if (f.header) lines.push(...f.header.split(/\r?\n/));
  for (const [k, v] of entries) lines.push(comment && k.startsWith(comment) ? k : `${k}${delimiter}${quote(v)}`);
  if (f.footer) lines.push(...f.footer.split(/\r?\n/));
  return lines.join(eol) + eol;
}

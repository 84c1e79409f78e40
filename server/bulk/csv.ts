// CSV as spreadsheets write it (RFC 4180): comma-separated, fields with commas, quotes or line breaks
// in double quotes, "" for a quote. Parsing is bounded by the caller's size limit; nothing is evaluated.

/** Rows of fields; blank lines are dropped. Throws on an unterminated quote, naming the line. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0].trim() !== '') rows.push(row);
    row = []; field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else { if (c === '\n') line++; field += c; }
    } else if (c === '"' && field === '') { quoted = true; startLine = line; }
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { endRow(); line++; }
    else if (c !== '\r') field += c;
  }
  if (quoted) throw new Error(`a quoted field opened on line ${startLine} is never closed`);
  if (field !== '' || row.length) endRow();
  return rows;
}

/** One CSV field: quoted when it must be, and never read as a formula by a spreadsheet. */
function cell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function writeCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

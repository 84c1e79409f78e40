// MAC addresses arrive as `00:04:13:2A:3B:4C`, `00-04-13-…`, `0004.132a.3b4c` or bare hex; we keep
// exactly 12 lowercase hex digits and reject anything else (no substring matching, ever).
export function normalizeMac(input: unknown): string | null {
  if (typeof input !== 'string' && typeof input !== 'number') return null;
  const s = String(input).trim();
  if (s.length > 17) return null;
  const hex = s.replace(/[:.-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) ? hex : null;
}

export function macFormats(mac: string) {
  return { mac, MAC: mac.toUpperCase(), mac_colon: mac.match(/../g)!.join(':') };
}

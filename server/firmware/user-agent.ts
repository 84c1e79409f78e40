// The firmware version a phone states in its User-Agent. Vendors write it in different places:
//   Yealink   "Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc"
//   snom      "Mozilla/4.0 (compatible; snom370-SIP 8.7.3.25; snom370 jffs2 v3.36; snom370 linux 3.38)"
//   Grandstream "Grandstream Model HW GXP2170 SW 1.0.9.135 DevId 000b82aabbcc"
//   Cisco MPP "Cisco-CP-8841-3PCC/11.3.1 (00562b043615)"
//   Polycom   "FileTransport PolycomVVX-VVX_400-UA/5.9.5.0614"
//   Fanvil    "Fanvil X6U 2.12.1 0c383e000000"
// Grandstream's "SW" marks the version explicitly; otherwise the first dotted number of three or more
// parts, which skips model numbers (T46S, 8841) and MACs (no dots, or colons).
const GRANDSTREAM_SW = /\bSW\s+(\d+(?:\.\d+){1,4})\b/;
const DOTTED = /(?:^|[\s/(;-])(\d+(?:\.\d+){2,4})(?=$|[\s);,_-])/;

export function firmwareVersionOf(ua: string | null | undefined): string | null {
  if (!ua) return null;
  const s = ua.slice(0, 300);
  return GRANDSTREAM_SW.exec(s)?.[1] ?? DOTTED.exec(s)?.[1] ?? null;
}

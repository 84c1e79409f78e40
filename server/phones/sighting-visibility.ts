// Which unknown MACs an account's admin may see: only those it can prove are its own. The proof is
// where the account's own phones fetch from. An address counts when the account's phones (or its
// sub-accounts', for a reseller) fetch from it and no other account's do — a NAT two tenants share
// proves neither. A configured range widens that only where it is anchored in such an address:
// narrow (IPv4 /24, IPv6 /64 or narrower), outside loopback and other special-purpose blocks, and
// holding one of the account's own phone addresses; even then, an address another account's phones
// use stays out. Anything wider is for the super-admin, who sees every unknown MAC.
import { BlockList, isIP } from 'node:net';
import type { AppContext } from '../context.js';
import { inCidrs, parseCidrs } from '../security/settings.js';
import { docsOf, unknownMacs, unknownOf, type UnknownMac } from './sightings.js';

const NARROWEST_WIDE = { 4: 24, 6: 64 } as const;

// Addresses no tenant can own: loopback, unspecified, link-local, multicast, reserved, carrier NAT.
const SPECIAL = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  SPECIAL.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 127], ['fe80::', 10], ['ff00::', 8]] as const) SPECIAL.addSubnet(net, bits, 'ipv6');

/** The configured ranges that may widen an account's view: narrow, not special, holding one of its sites. */
export function anchoredRanges(cidrs: string[], sites: string[]): string[] {
  return cidrs.filter((c) => {
    const [addr, bits] = c.split('/');
    const v = isIP(addr) as 0 | 4 | 6;
    if (!v || (bits !== undefined && Number(bits) < NARROWEST_WIDE[v])) return false;
    if (SPECIAL.check(addr, v === 6 ? 'ipv6' : 'ipv4')) return false;
    const range = parseCidrs([c]);
    return typeof range !== 'number' && sites.some((ip) => inCidrs(range, ip));
  });
}

/** The addresses the accounts' known phones last fetched from. */
async function siteIps(app: AppContext, accounts: string[]): Promise<string[]> {
  const res = await app.bulk.stateDb.view('state', 'by_account', { keys: accounts.map((a) => [a, 'device_seen']), include_docs: true });
  return [...new Set(docsOf(res).map((d) => d.last?.ip).filter((ip): ip is string => typeof ip === 'string' && !!ip))];
}

/** The addresses (of those given) from which a phone of an account outside `accounts` fetches. */
async function foreignIps(app: AppContext, ips: string[], accounts: Set<string>): Promise<Set<string>> {
  if (!ips.length) return new Set();
  const res = await app.bulk.stateDb.view('state', 'seen_by_ip', { keys: ips });
  return new Set((res.rows as Array<{ key: string; value: string }>).filter((r) => !accounts.has(r.value)).map((r) => r.key));
}

/**
 * Unknown MACs the admin of `accounts[0]` may see; `accounts` is that account and, for a reseller,
 * its sub-accounts. Most recent first.
 */
export async function unknownMacsNear(app: AppContext, accounts: string[], cidrs: string[]): Promise<UnknownMac[]> {
  const sites = await siteIps(app, accounts);
  const anchored = anchoredRanges(cidrs, sites);
  const ranges = parseCidrs(anchored);
  const widened = typeof ranges !== 'number' && anchored.length > 0;
  const [fromSites, recent] = await Promise.all([
    sites.length ? app.bulk.stateDb.view('state', 'unknown_by_ip', { keys: sites, include_docs: true }).then((res) => docsOf(res).map(unknownOf)) : [],
    // A range cannot be looked up by key: the newest unknown MACs are checked against it.
    widened ? unknownMacs(app) : [],
  ]);
  const inRanges = recent.filter((u) => !!u.last_ip && typeof ranges !== 'number' && inCidrs(ranges, u.last_ip));
  const candidates = [...fromSites, ...inRanges];
  const foreign = await foreignIps(app, [...new Set(candidates.map((u) => u.last_ip))], new Set(accounts));
  const byMac = new Map(candidates.filter((u) => !foreign.has(u.last_ip)).map((u) => [u.mac, u]));
  return [...byMac.values()].sort((a, b) => b.at - a.at);
}

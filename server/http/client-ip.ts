// The client's address: the socket's, unless the socket is a configured trusted proxy, in which case
// the nearest X-Forwarded-For hop that is not itself a trusted proxy.
import { BlockList, isIP } from 'node:net';

export function trustedList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits) list.addSubnet(addr, Number(bits), family);
    else list.addAddress(addr, family);
  }
  return list;
}

const plain = (ip: string) => ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
// BlockList.check builds a SocketAddress each time: a measurable share of a warm phone fetch. The
// answer per address is kept, a bounded number of addresses per list (they come from sockets and
// forwarded headers, i.e. from strangers).
const verdicts = new WeakMap<BlockList, Map<string, boolean>>();
const VERDICTS_MAX = 10_000;

const isTrusted = (list: BlockList, ip: string) => {
  let known = verdicts.get(list);
  if (!known) verdicts.set(list, (known = new Map()));
  let yes = known.get(ip);
  if (yes === undefined) {
    const v = isIP(ip);
    yes = v !== 0 && list.check(ip, v === 6 ? 'ipv6' : 'ipv4');
    if (known.size >= VERDICTS_MAX) known.clear();
    known.set(ip, yes);
  }
  return yes;
};

/** Whether `ip` (plain or IPv4-mapped) is one of the trusted proxies. */
export const isTrustedProxy = (list: BlockList, ip: string) => isTrusted(list, plain(ip));

export function clientIp(socketIp: string | undefined, forwardedFor: string | undefined, trusted: BlockList): string {
  let ip = plain(socketIp || '');
  if (!forwardedFor || !isTrusted(trusted, ip)) return ip;
  const hops = forwardedFor.split(',').map((h) => plain(h.trim())).filter((h) => isIP(h));
  for (let i = hops.length - 1; i >= 0; i--) {
    ip = hops[i];
    if (!isTrusted(trusted, ip)) return ip;
  }
  return ip;
}

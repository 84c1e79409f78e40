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
const isTrusted = (list: BlockList, ip: string) => {
  const v = isIP(ip);
  return v !== 0 && list.check(ip, v === 6 ? 'ipv6' : 'ipv4');
};

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

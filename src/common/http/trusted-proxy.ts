import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { TrustProxy } from '../../config/app-config';

/** proxy-addr's named ranges, which TRUST_PROXY accepts (Express and Fastify read them alike). */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Is the peer that sent this request (the socket's address) a proxy TRUST_PROXY trusts? */
export type TrustedPeer = (peerAddress: string | undefined) => boolean;

/**
 * The decision both adapters make for X-Forwarded-For, at its first hop: a hop count trusts
 * the nearest n proxies (so the peer when n ≥ 1), a list trusts the peers it names. Headers a
 * proxy vouches for (traceparent) are taken from such a peer only. Compiled once, at start.
 */
export function trustedPeer(trustProxy: TrustProxy): TrustedPeer {
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') {
    const trusted = trustProxy >= 1;
    return () => trusted;
  }
  const ranges = new BlockList();
  for (const entry of trustProxy.flatMap((name) => NAMED_RANGES[name] ?? [name])) {
    const [address, prefix] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    if (family === undefined) throw new Error(`TRUST_PROXY: ${entry} is not an address`);
    if (prefix === undefined) ranges.addAddress(address, family);
    else ranges.addSubnet(address, Number(prefix), family);
  }
  // BlockList matches an IPv4-mapped IPv6 peer (::ffff:10.0.0.1) against IPv4 ranges too.
  return (peer) => {
    if (peer === undefined) return false;
    const family = isIPv4(peer) ? 'ipv4' : isIPv6(peer) ? 'ipv6' : undefined;
    return family !== undefined && ranges.check(peer, family);
  };
}

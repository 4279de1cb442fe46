import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { TrustProxy } from '../../config/app-config';

/** proxy-addr's named ranges, which TRUST_PROXY accepts (Express and Fastify read them alike). */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const MEMO_SIZE = 1024;

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
  // A lookup costs a few µs and a proxy sends every request from the same few addresses: the
  // answers are kept, at most MEMO_SIZE of them (forgotten all at once when full).
  const memo = new Map<string, boolean>();
  return (peer) => {
    if (peer === undefined) return false;
    let trusted = memo.get(peer);
    if (trusted === undefined) {
      // BlockList matches an IPv4-mapped IPv6 peer (::ffff:10.0.0.1) against IPv4 ranges too.
      const family = isIPv4(peer) ? 'ipv4' : isIPv6(peer) ? 'ipv6' : undefined;
      trusted = family !== undefined && ranges.check(peer, family);
      if (memo.size >= MEMO_SIZE) memo.clear();
      memo.set(peer, trusted);
    }
    return trusted;
  };
}

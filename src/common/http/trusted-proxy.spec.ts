import { createRequire } from 'node:module';
import { trustedPeer } from './trusted-proxy';

/** Express's own implementation, to prove the decision is the one X-Forwarded-For gets. */
const proxyAddr = createRequire(require.resolve('express'))('proxy-addr') as {
  compile(value: string[] | number): (address: string, hop: number) => boolean;
};

const PEERS = [
  '127.0.0.1',
  '127.9.9.9',
  '::1',
  '::ffff:127.0.0.1',
  '10.1.2.3',
  '::ffff:10.1.2.3',
  '172.16.0.1',
  '172.32.0.1',
  '192.168.1.1',
  '169.254.1.1',
  'fe80::1',
  'fd00::1',
  '203.0.113.7',
  '2001:db8::1',
];

describe('trustedPeer (the first hop of TRUST_PROXY)', () => {
  it.each<[string, string[]]>([
    ['loopback', ['loopback']],
    ['named ranges', ['linklocal', 'uniquelocal']],
    ['addresses and subnets', ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32']],
  ])('decides as proxy-addr (Express, Fastify) does for %s', (_name, list) => {
    const ours = trustedPeer(list);
    const theirs = proxyAddr.compile(list);
    for (const peer of PEERS) expect([peer, ours(peer)]).toEqual([peer, theirs(peer, 0)]);
  });

  it('a hop count trusts the peer from 1 up; false trusts no one', () => {
    expect(trustedPeer(1)('203.0.113.7')).toBe(true);
    expect(trustedPeer(0)('127.0.0.1')).toBe(false);
    expect(trustedPeer(false)('127.0.0.1')).toBe(false);
  });

  it('answers the same from its memo, and stays bounded under many distinct peers', () => {
    const trusted = trustedPeer(['10.0.0.0/8']);
    for (let i = 0; i < 3000; i += 1) expect(trusted(`203.0.${i >> 8}.${i & 255}`)).toBe(false);
    expect(trusted('10.1.2.3')).toBe(true);
    expect(trusted('10.1.2.3')).toBe(true);
    expect(trusted('203.0.0.1')).toBe(false);
  });

  it('an unknown peer (a closed socket) is not trusted', () => {
    expect(trustedPeer(['loopback'])(undefined)).toBe(false);
    expect(trustedPeer(['loopback'])('not-an-address')).toBe(false);
  });
});

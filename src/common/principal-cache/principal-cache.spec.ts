import { PrincipalCache } from './principal-cache';

function cache(maxEntries = 3, ttlMs = 1000): { c: PrincipalCache; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  const c = new PrincipalCache({ maxEntries, ttlMs }, () => clock.t);
  c.setLive(true);
  return { c, clock };
}

describe('PrincipalCache', () => {
  it('answers from memory until the TTL ceiling or the entry’s own expiry, whichever is first', () => {
    const { c, clock } = cache(3, 1000);
    c.set('a', 'A', { tags: [] }, c.ticket());
    c.set('b', 'B', { tags: [], expiresAt: clock.t + 200 }, c.ticket());
    expect([c.get('a'), c.get('b')]).toEqual(['A', 'B']);
    clock.t += 200;
    expect([c.get('a'), c.get('b')]).toEqual(['A', undefined]);
    clock.t += 800;
    expect(c.get('a')).toBeUndefined();
    expect(c.stats().entries).toBe(0);
  });

  it('stays within maxEntries, evicting the least recently used and counting it', () => {
    const { c } = cache(2);
    c.set('a', 1, { tags: ['t:a'] }, c.ticket());
    c.set('b', 2, { tags: [] }, c.ticket());
    c.get('a'); // a is now the most recently used
    c.set('c', 3, { tags: [] }, c.ticket());
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
    expect(c.stats()).toMatchObject({ entries: 2, evictions: 1 });
    // The evicted entry left no tag behind to leak memory.
    c.invalidate('t:b');
    expect(c.stats().entries).toBe(2);
  });

  it('drops every entry read from a row when that row’s tag is announced', () => {
    const { c } = cache(10);
    c.set('jwt:u1:s1', 'viewer', { tags: ['user:u1', 'session:s1'] }, c.ticket());
    c.set('jwt:u1:s2', 'viewer', { tags: ['user:u1', 'session:s2'] }, c.ticket());
    c.set('jwt:u2:s3', 'admin', { tags: ['user:u2', 'session:s3'] }, c.ticket());
    c.invalidate('session:s1');
    expect(c.get('jwt:u1:s1')).toBeUndefined();
    expect(c.get('jwt:u1:s2')).toBe('viewer');
    c.invalidate('user:u1');
    expect([c.get('jwt:u1:s2'), c.get('jwt:u2:s3')]).toEqual([undefined, 'admin']);
    expect(c.stats().invalidations).toBe(2);
  });

  it('refuses a fill whose read began before a change was announced (it may predate it)', () => {
    const { c } = cache();
    const ticket = c.ticket();
    c.invalidate('user:u1'); // committed while the read was in flight
    c.set('jwt:u1:s1', 'admin', { tags: ['user:u1'] }, ticket);
    expect(c.get('jwt:u1:s1')).toBeUndefined();
    expect(c.stats().staleFillsRefused).toBe(1);
  });

  it('while the channel is down, misses every lookup and stores nothing; flushes both ways', () => {
    const { c } = cache();
    c.set('a', 1, { tags: [] }, c.ticket());
    const ticket = c.ticket();
    c.setLive(false);
    expect(c.get('a')).toBeUndefined();
    c.set('b', 2, { tags: [] }, c.ticket());
    expect(c.stats()).toMatchObject({ entries: 0, bypassed: 1, live: false });
    c.setLive(true);
    c.set('c', 3, { tags: [] }, ticket); // read before the channel came back: refused
    expect(c.get('c')).toBeUndefined();
  });

  it('counts each announced change by the kind of row it named, whatever it dropped', () => {
    const { c } = cache(10); // live: the channel came up once
    c.set('jwt:u1:s1', 'viewer', { tags: ['user:u1', 'session:s1'] }, c.ticket());
    c.invalidate('user:u1');
    c.invalidate('user:u9'); // nothing cached from it: still a change that reached us
    c.invalidate('api_key:k1');
    c.invalidate('t:x'); // not a kind authentication reads
    c.flush();
    c.setLive(false);
    expect(c.stats().invalidationsByKind).toEqual({
      user: 2,
      session: 0,
      api_key: 1,
      signing_key: 0,
      all: 1,
      channel: 2,
      other: 1,
    });
  });

  it('is off with maxEntries 0, and disabled() is off', () => {
    for (const c of [
      new PrincipalCache({ maxEntries: 0, ttlMs: 1000 }),
      PrincipalCache.disabled(),
    ]) {
      c.setLive(true);
      c.set('a', 1, { tags: [] }, c.ticket());
      expect(c.get('a')).toBeUndefined();
      expect(c.enabled).toBe(false);
    }
  });
});

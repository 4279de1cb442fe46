import { InMemoryDetectionStore } from './detection.store';

describe('InMemoryDetectionStore', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('counts per fixed window, and starts again in the next one', async () => {
    const store = new InMemoryDetectionStore(100, 10, clock);
    expect(await store.count('k', 1000)).toBe(1);
    expect(await store.count('k', 1000)).toBe(2);
    now += 1000;
    expect(await store.count('k', 1000)).toBe(1);
  });

  it('counts distinct members, capped at maxMembers (enough to cross any threshold)', async () => {
    const store = new InMemoryDetectionStore(100, 3, clock);
    expect(await store.distinct('ip', 'a', 1000)).toBe(1);
    expect(await store.distinct('ip', 'a', 1000)).toBe(1);
    expect(await store.distinct('ip', 'b', 1000)).toBe(2);
    for (const member of ['c', 'd', 'e']) await store.distinct('ip', member, 1000);
    expect(await store.distinct('ip', 'f', 1000)).toBe(3);
  });

  it('is the first of its episode once, then again after the episode', async () => {
    const store = new InMemoryDetectionStore(100, 10, clock);
    expect(await store.firstOfEpisode('alert', 5000)).toBe(true);
    expect(await store.firstOfEpisode('alert', 5000)).toBe(false);
    now += 5000;
    expect(await store.firstOfEpisode('alert', 5000)).toBe(true);
  });

  it('never holds more than maxEntries, however many keys an attacker makes', async () => {
    const store = new InMemoryDetectionStore(50, 10, clock);
    for (let i = 0; i < 1000; i += 1) await store.count(`k${i}`, 60_000);
    expect(store.size).toBeLessThanOrEqual(50);
  });
});

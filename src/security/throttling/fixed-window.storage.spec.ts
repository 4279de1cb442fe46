import { FixedWindowStorage } from './fixed-window.storage';

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const MINUTE = 60_000;

describe('FixedWindowStorage', () => {
  let clock: ReturnType<typeof manualClock>;
  let storage: FixedWindowStorage;

  beforeEach(() => {
    clock = manualClock();
    storage = new FixedWindowStorage(clock.now, 60_000);
  });
  afterEach(() => storage.onModuleDestroy());

  const hit = (key = 'ip:10.0.0.1', limit = 3, ttl = MINUTE, block = MINUTE) =>
    storage.increment(key, ttl, limit, block, 'ip');

  it('counts hits per key and reports the seconds left in the window, rounded up', async () => {
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    clock.advance(10_500);
    expect(await hit()).toEqual({
      totalHits: 2,
      timeToExpire: 50, // 49.5 s left
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    // Another key has its own counter.
    expect((await hit('ip:10.0.0.2')).totalHits).toBe(1);
    expect((await hit()).totalHits).toBe(3);
    expect(storage.size).toBe(2);
  });

  it('allows exactly `limit` hits; the next one is blocked for blockDuration', async () => {
    for (let i = 1; i <= 3; i += 1) expect((await hit()).isBlocked).toBe(false);
    clock.advance(1_000);
    const over = await hit();
    expect(over).toEqual({
      totalHits: 4,
      timeToExpire: 59,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    // While blocked, further hits are refused and not counted.
    clock.advance(20_000);
    expect(await hit()).toEqual({
      totalHits: 4,
      timeToExpire: 39,
      isBlocked: true,
      timeToBlockExpire: 40,
    });
  });

  it('starts a new window when the old one ends', async () => {
    for (let i = 0; i < 3; i += 1) await hit();
    clock.advance(MINUTE);
    expect(await hit()).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('keeps a block longer than the window until the block expires, then counts afresh', async () => {
    const block = 5 * MINUTE;
    for (let i = 0; i < 3; i += 1) await hit('k', 3, MINUTE, block);
    expect((await hit('k', 3, MINUTE, block)).isBlocked).toBe(true);

    // The counting window rolls over, but the block stands.
    clock.advance(2 * MINUTE);
    const stillBlocked = await hit('k', 3, MINUTE, block);
    expect(stillBlocked.isBlocked).toBe(true);
    expect(stillBlocked.timeToBlockExpire).toBe(180);

    // Block over: the first hit after it is hit 1 of a fresh window.
    clock.advance(3 * MINUTE);
    expect(await hit('k', 3, MINUTE, block)).toEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
  });

  it('ends a block shorter than the window when it expires', async () => {
    const block = 10_000;
    for (let i = 0; i < 4; i += 1) await hit('k', 3, MINUTE, block);
    clock.advance(9_999);
    expect((await hit('k', 3, MINUTE, block)).isBlocked).toBe(true);
    clock.advance(1);
    // Still in the same window with 4 hits counted: the next hit is over the limit again.
    const next = await hit('k', 3, MINUTE, block);
    expect(next.totalHits).toBe(5);
    expect(next.isBlocked).toBe(true);
    expect(next.timeToBlockExpire).toBe(10);
  });

  it('decrement gives a hit back within the window, never below zero, and not after it', async () => {
    await hit('login-email:x', Number.MAX_SAFE_INTEGER, 15 * MINUTE, 15 * MINUTE);
    await hit('login-email:x', Number.MAX_SAFE_INTEGER, 15 * MINUTE, 15 * MINUTE);
    await storage.decrement('login-email:x');
    expect(
      (await hit('login-email:x', Number.MAX_SAFE_INTEGER, 15 * MINUTE, 15 * MINUTE)).totalHits,
    ).toBe(2);
    for (let i = 0; i < 5; i += 1) await storage.decrement('login-email:x');
    expect(
      (await hit('login-email:x', Number.MAX_SAFE_INTEGER, 15 * MINUTE, 15 * MINUTE)).totalHits,
    ).toBe(1);
    clock.advance(15 * MINUTE);
    await storage.decrement('login-email:x');
    expect(
      (await hit('login-email:x', Number.MAX_SAFE_INTEGER, 15 * MINUTE, 15 * MINUTE)).totalHits,
    ).toBe(1);
  });

  it('sweep drops keys whose window and block are both over, and keeps the rest', async () => {
    await hit('short', 3, 1_000, 1_000);
    await hit('long', 3, MINUTE, MINUTE);
    for (let i = 0; i < 4; i += 1) await hit('blocked', 3, 1_000, 5 * MINUTE);
    expect(storage.size).toBe(3);

    clock.advance(2_000);
    storage.sweep();
    // 'short' expired; 'long' is in its window; 'blocked' has an expired window but a live block.
    expect(storage.size).toBe(2);
    expect((await hit('blocked', 3, 1_000, 5 * MINUTE)).isBlocked).toBe(true);

    clock.advance(5 * MINUTE);
    storage.sweep();
    expect(storage.size).toBe(0);
  });

  it('sweeps on its own timer, which onModuleDestroy stops', async () => {
    jest.useFakeTimers();
    try {
      const swept = new FixedWindowStorage(clock.now, 1_000);
      await swept.increment('k', 500, 3, 500, 'ip');
      clock.advance(600);
      expect(swept.size).toBe(1);
      jest.advanceTimersByTime(1_000);
      expect(swept.size).toBe(0);

      await swept.increment('k', 500, 3, 500, 'ip');
      swept.onModuleDestroy();
      clock.advance(600);
      jest.advanceTimersByTime(5_000);
      expect(swept.size).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

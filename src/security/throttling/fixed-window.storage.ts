import { OnModuleDestroy } from '@nestjs/common';
import { CounterStorage, StorageRecord, msToSeconds } from './counter-storage';

interface Window {
  hits: number;
  /** Epoch ms when the window resets. */
  endsAt: number;
  /** Epoch ms until which the key is blocked (0 when not blocked). */
  blockedUntil: number;
}

/**
 * In-memory fixed-window counters, O(1) per request. The stock @nestjs/throttler 6.7 memory
 * storage keeps one timestamp per hit and filters them all on every request, so its cost grows
 * with the limit (one busy client with a high limit capped the app near 2k req/s). Here each key
 * is one small record. A sweep drops expired keys so memory follows active clients only.
 * Per process: several instances share limits through RedisCounterStorage instead.
 */
export class FixedWindowStorage implements CounterStorage, OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepIntervalMs = 60_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName?: string,
  ): Promise<StorageRecord> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || (window.endsAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, endsAt: now + ttl, blockedUntil: 0 };
      this.windows.set(key, window);
    } else if (window.endsAt <= now) {
      // Still blocked, but the counting window rolled over.
      window.hits = 0;
      window.endsAt = now + ttl;
    }
    if (window.blockedUntil <= now) {
      window.hits += 1;
      if (window.hits > limit) window.blockedUntil = now + blockDuration;
    }
    const isBlocked = window.blockedUntil > now;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: msToSeconds(window.endsAt - now),
      isBlocked,
      timeToBlockExpire: isBlocked ? msToSeconds(window.blockedUntil - now) : 0,
    });
  }

  decrement(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.endsAt > this.now() && window.hits > 0) window.hits -= 1;
    return Promise.resolve();
  }

  /** Number of live keys; for tests and the bench note. */
  get size(): number {
    return this.windows.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (window.endsAt <= now && window.blockedUntil <= now) this.windows.delete(key);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}

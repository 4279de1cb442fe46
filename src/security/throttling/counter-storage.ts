import { ThrottlerStorage } from '@nestjs/throttler';

/** What ThrottlerStorage.increment returns (the type is not exported by the package root). */
export type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A counter as stored: hits in the current window, and when the window ends. */
export interface CounterState {
  totalHits: number;
  /** Seconds until the window resets. */
  timeToExpire: number;
}

/**
 * ThrottlerStorage plus a read without increment, which the failed-login limiter needs to
 * refuse an attempt before spending an argon2 verify on it.
 */
export interface CounterStorage extends ThrottlerStorage {
  peek(key: string): Promise<CounterState | undefined>;
}

export const COUNTER_STORAGE = Symbol('COUNTER_STORAGE');

/** Throttler headers and Retry-After speak whole seconds, rounded up. */
export function msToSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

import { ThrottlerStorage } from '@nestjs/throttler';

/** What ThrottlerStorage.increment returns (the type is not exported by the package root). */
export type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * ThrottlerStorage plus a refund: the failed-login limiter counts an attempt before verifying
 * the password (so parallel guesses cannot all slip past the check) and gives it back when the
 * password was right.
 */
export interface CounterStorage extends ThrottlerStorage {
  decrement(key: string): Promise<void>;
}

export const COUNTER_STORAGE = Symbol('COUNTER_STORAGE');

/** Throttler headers and Retry-After speak whole seconds, rounded up. */
export function msToSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

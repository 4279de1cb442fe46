import { normaliseEmail } from '../../common/identity/email-address';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { COUNTER_STORAGE, CounterStorage } from './counter-storage';
import { TooManyRequestsProblem } from './too-many-requests.problem';
import { THROTTLING_OPTIONS, ThrottlingOptions } from './throttling.options';

const WINDOW_MS = 15 * 60_000;

/**
 * Failed logins per account, whatever IPs they come from (credential stuffing spreads over
 * many). An attempt is counted before the password is verified, atomically in the counter store,
 * so a burst of parallel guesses cannot all pass a check made before any of them is recorded;
 * a correct password gives its count back, so only failures add up. Over the limit, the attempt
 * is refused without an argon2 verify. The email is hashed: the store never holds addresses.
 */
@Injectable()
export class LoginAttemptsLimiter {
  constructor(
    @Inject(COUNTER_STORAGE) private readonly storage: CounterStorage,
    @Inject(THROTTLING_OPTIONS) private readonly options: ThrottlingOptions,
  ) {}

  /** Counts an attempt; returns the refund to call when the password turns out right. */
  async begin(email: string): Promise<() => Promise<void>> {
    const key = this.key(email);
    const limit = this.options.limits.loginFailuresPerEmailPer15Minutes;
    // The storage's own blocking is not used (limit = max): refused attempts are given back too.
    const state = await this.storage.increment(
      key,
      WINDOW_MS,
      Number.MAX_SAFE_INTEGER,
      WINDOW_MS,
      'login-email',
    );
    if (state.totalHits > limit) {
      await this.storage.decrement(key);
      throw new TooManyRequestsProblem(Math.max(1, state.timeToExpire), 'login-email');
    }
    return () => this.storage.decrement(key);
  }

  private key(email: string): string {
    return `login-email:${createHash('sha256').update(normaliseEmail(email)).digest('hex')}`;
  }
}

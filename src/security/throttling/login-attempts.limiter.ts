import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { COUNTER_STORAGE, CounterStorage } from './counter-storage';
import { TooManyRequestsProblem } from './too-many-requests.problem';

const WINDOW_MS = 15 * 60_000;

/**
 * Failed logins per account, whatever IPs they come from (credential stuffing spreads over
 * many). Checked before the password is verified; only failures count. The email is hashed so
 * the counter store never holds addresses.
 */
@Injectable()
export class LoginAttemptsLimiter {
  constructor(
    @Inject(COUNTER_STORAGE) private readonly storage: CounterStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async assertAllowed(email: string): Promise<void> {
    const state = await this.storage.peek(this.key(email));
    const limit = this.config.rateLimits.loginFailuresPerEmailPer15Minutes;
    if (state && state.totalHits >= limit) {
      throw new TooManyRequestsProblem(Math.max(1, state.timeToExpire), 'login-email');
    }
  }

  async recordFailure(email: string): Promise<void> {
    // The limit passed here only decides blocking inside the storage; assertAllowed decides.
    await this.storage.increment(
      this.key(email),
      WINDOW_MS,
      Number.MAX_SAFE_INTEGER,
      WINDOW_MS,
      'login-email',
    );
  }

  private key(email: string): string {
    return `login-email:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
  }
}

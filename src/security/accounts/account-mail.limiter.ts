import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { normaliseEmail } from '../../common/identity/email-address';
import { TooManyRequestsProblem } from '../throttling/too-many-requests.problem';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options';

const HOUR_MS = 60 * 60_000;

/**
 * Two limits on the routes that mail (resend verification, reset request): per client IP, a
 * 429 (one client cannot spray addresses); per address, whatever the IP, a silent cap (nobody
 * can bomb an inbox, and the answer stays the same for every address, known or not). The
 * address is hashed: the counter store never holds it.
 */
@Injectable()
export class AccountMailLimiter {
  constructor(@Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions) {}

  /** Throws a 429 when this client asked too often. */
  async countClient(clientIp: string | null): Promise<void> {
    const limit = this.options.mailRequestsPerIpPerHour;
    const state = await this.hit(`account-mail-ip:${clientIp ?? 'unknown'}`);
    if (state.totalHits > limit) {
      throw new TooManyRequestsProblem(Math.max(1, state.timeToExpire), 'account-mail-ip');
    }
  }

  /** False when this address already got its mails for the hour: answer the same, send none. */
  async mayMail(email: string): Promise<boolean> {
    const digest = createHash('sha256').update(normaliseEmail(email)).digest('hex');
    const state = await this.hit(`account-mail-email:${digest}`);
    return state.totalHits <= this.options.mailPerEmailPerHour;
  }

  private hit(key: string) {
    // The store's own blocking is not used (limit = max): the window alone decides.
    return this.options.counters.increment(key, HOUR_MS, Number.MAX_SAFE_INTEGER, HOUR_MS, key);
  }
}

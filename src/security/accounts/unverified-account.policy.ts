import { Inject, Injectable } from '@nestjs/common';
import type { Role } from '../../users/user.entity';
import { EmailNotVerifiedProblem } from './account.problems';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options';

/**
 * What an admin may grant an account whose address is not verified: under read-only, no role
 * above viewer (an operator or admin must be reachable at a proven address).
 */
@Injectable()
export class UnverifiedAccountPolicy {
  constructor(@Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions) {}

  assertMayGrant(target: { emailVerifiedAt: Date | null }, role: Role | undefined): void {
    if (this.options.unverifiedAccounts === 'full' || target.emailVerifiedAt !== null) return;
    if (role === undefined || role === 'viewer') return;
    throw new EmailNotVerifiedProblem(
      409,
      'This account has not verified its e-mail address; it cannot be made an operator or admin.',
    );
  }
}

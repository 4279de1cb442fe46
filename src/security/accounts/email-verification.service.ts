import { Inject, Injectable } from '@nestjs/common';
import { normaliseEmail } from '../../common/identity/email-address';
import { ConflictProblem } from '../../common/problem-details/problem.exception';
import { ValidationProblem } from '../../common/problem-details/problem.exception';
import { TransactionContext } from '../../database/transaction-context';
import { isUniqueViolation } from '../../database/postgres-errors';
import { PasswordHasher } from '../../users/password-hasher';
import { User } from '../../users/user.entity';
import { emailChangedNotice, verificationMessage } from './account-mail';
import { AccountMailLimiter } from './account-mail.limiter';
import { AccountMailSender } from './account-mail.sender';
import { AccountTokensService } from './account-tokens.service';
import { InvalidAccountTokenProblem, MailUnavailableProblem } from './account.problems';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options';

/** Proving an address: the link after registration, a new one on request, and address changes. */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly tx: TransactionContext,
    private readonly tokens: AccountTokensService,
    private readonly limiter: AccountMailLimiter,
    private readonly mail: AccountMailSender,
    private readonly hasher: PasswordHasher,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  /** Mails a verification link to the address, if it names an unverified account. */
  async send(email: string): Promise<void> {
    if (!(await this.limiter.mayMail(email))) return;
    const ttl = this.options.emailVerificationTtlSeconds;
    const issued = await this.tokens.issueByEmail(
      normaliseEmail(email),
      'email-verification',
      ttl,
      true,
    );
    if (!issued) return;
    const link = `${this.options.publicAppUrl}/verify-email#token=${issued.token}`;
    this.mail.send(verificationMessage(normaliseEmail(email), link, ttl));
  }

  /** Resend: counted per client (429) and per address (silent); the same answer either way. */
  async resend(email: string, clientIp: string | null): Promise<void> {
    await this.limiter.countClient(clientIp);
    await this.send(email);
  }

  /** Verifies the address the token was sent to, if it is still the account's address. */
  async verify(rawToken: string): Promise<string> {
    return this.tx.run(async (manager) => {
      const consumed = await this.tokens.consume(rawToken, 'email-verification');
      if (!consumed) throw new InvalidAccountTokenProblem();
      const [, affected] = await manager.query<[unknown[], number]>(
        `UPDATE users SET email_verified_at = now()
          WHERE id = $1 AND email = $2 AND disabled_at IS NULL`,
        [consumed.userId, consumed.email],
      );
      if (affected !== 1) throw new InvalidAccountTokenProblem();
      return consumed.userId;
    });
  }

  /**
   * A new address: the current password is asked again (a stolen access token alone cannot take
   * the account over through a reset to an address of the thief's), the address becomes
   * unverified and gets a link, and the old address is told.
   */
  async changeEmail(userId: string, password: string, newEmail: string): Promise<User> {
    if (!this.options.mailAvailable) throw new MailUnavailableProblem();
    const manager = this.tx.manager;
    const user = await manager.findOneByOrFail(User, { id: userId });
    const refund = await this.options.passwordAttempts.begin(user.email);
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      throw ValidationProblem.field('password', 'password is not correct');
    }
    await refund();
    const email = normaliseEmail(newEmail);
    if (email === user.email) throw ValidationProblem.field('email', 'email is already yours');
    await this.tx.run(async (m) => {
      try {
        await m.update(User, { id: user.id }, { email, emailVerifiedAt: null });
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_key')) {
          throw new ConflictProblem('An account with this email already exists.');
        }
        throw error;
      }
      await this.tokens.revokeAll(user.id);
      await this.send(email);
    });
    this.mail.send(emailChangedNotice(user.email, email));
    return manager.findOneByOrFail(User, { id: user.id });
  }
}

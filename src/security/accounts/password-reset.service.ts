import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { normaliseEmail } from '../../common/identity/email-address';
import { sha256 } from '../../common/crypto/secure-token';
import { TransactionContext } from '../../database/transaction-context';
import { PasswordHasher } from '../../users/password-hasher';
import { User } from '../../users/user.entity';
import { passwordResetNotice, resetMessage } from './account-mail';
import { AccountMailLimiter } from './account-mail.limiter';
import { AccountMailSender } from './account-mail.sender';
import { AccountTokensService } from './account-tokens.service';
import { InvalidAccountTokenProblem } from './account.problems';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options';

/** Forgotten password (ASVS 6.4.3): a one-time link by mail, then a new password. */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly tx: TransactionContext,
    private readonly tokens: AccountTokensService,
    private readonly limiter: AccountMailLimiter,
    private readonly mail: AccountMailSender,
    private readonly hasher: PasswordHasher,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  /**
   * Known and unknown addresses take the same path: the same counters, the same single SQL
   * statement (it inserts a row only when the account exists), and the mail only queued, so
   * neither the answer nor its timing says whether the account exists.
   */
  async request(email: string, clientIp: string | null): Promise<void> {
    this.assertEnabled();
    await this.limiter.countClient(clientIp);
    if (!(await this.limiter.mayMail(email))) return;
    const address = normaliseEmail(email);
    const ttl = this.options.passwordResetTtlSeconds;
    const issued = await this.tokens.issueByEmail(address, 'password-reset', ttl);
    if (!issued) return;
    const link = `${this.options.publicAppUrl}/reset-password#token=${issued.token}`;
    this.mail.send(resetMessage(address, link, ttl));
  }

  /**
   * Sets the new password once per token, only if the password is still the one the token was
   * issued against; every session and refresh family ends, other mailed tokens die, and the
   * person is told. Following the link also proves the address (it verifies it).
   */
  async confirm(rawToken: string, newPassword: string): Promise<string> {
    this.assertEnabled();
    const passwordHash = await this.hasher.hash(newPassword);
    const user = await this.tx.run(async (manager) => {
      const consumed = await this.tokens.consume(rawToken, 'password-reset');
      if (!consumed?.passwordBinding) throw new InvalidAccountTokenProblem();
      const found = await manager.findOneBy(User, { id: consumed.userId });
      if (
        !found ||
        found.disabledAt ||
        !sameBinding(found.passwordHash, consumed.passwordBinding)
      ) {
        throw new InvalidAccountTokenProblem();
      }
      await manager.update(
        User,
        { id: found.id },
        {
          passwordHash,
          ...(consumed.email === found.email && !found.emailVerifiedAt
            ? { emailVerifiedAt: new Date() }
            : {}),
        },
      );
      await this.tokens.revokeAll(found.id);
      await this.options.sessions.revokeAllSessions(found.id);
      return found;
    });
    this.mail.send(passwordResetNotice(user.email));
    return user.id;
  }

  private assertEnabled(): void {
    if (!this.options.passwordResetEnabled) {
      throw new ForbiddenException('Password reset is switched off on this server.');
    }
  }
}

function sameBinding(passwordHash: string, binding: Buffer): boolean {
  const current = sha256(passwordHash);
  return current.length === binding.length && timingSafeEqual(current, binding);
}

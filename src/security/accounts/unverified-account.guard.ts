import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TransactionContext } from '../../database/transaction-context';
import { User } from '../../users/user.entity';
import type { Principal } from '../authorization/principal';
import { EmailNotVerifiedProblem } from './account.problems';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options';
import { ALLOW_UNVERIFIED_KEY } from './allow-unverified.decorator';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * UNVERIFIED_ACCOUNTS=read-only: a person whose address is not verified may read, and may call
 * the few routes marked @AllowUnverified(), nothing else (no API keys, no writes). Runs after
 * authentication; checks the database on writes only, so a verification counts at once.
 * API keys are not limited here: a key acts for its owner, who could only make it verified.
 */
@Injectable()
export class UnverifiedAccountGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tx: TransactionContext,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.options.unverifiedAccounts === 'full') return true;
    const request = context.switchToHttp().getRequest<{ method: string; user?: Principal }>();
    const principal = request.user;
    if (principal?.kind !== 'user' || SAFE_METHODS.has(request.method)) return true;
    if (this.reflector.get<boolean>(ALLOW_UNVERIFIED_KEY, context.getHandler())) return true;
    const user = await this.tx.manager.findOne(User, {
      where: { id: principal.userId },
      select: { id: true, emailVerifiedAt: true },
    });
    if (user?.emailVerifiedAt) return true;
    throw new EmailNotVerifiedProblem(
      403,
      'Verify your e-mail address first: until then this account may only read.',
    );
  }
}

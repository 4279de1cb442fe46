import { Inject, Injectable } from '@nestjs/common';
import { TransactionContext } from '../../database/transaction-context';
import type { AccountMessage } from './account-mail';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options';

/**
 * Hands account mail to the host's mail port only once the request's transaction has
 * committed. A flow that fails after queueing (the audit record cannot be written, the commit
 * fails) sends nothing: no link to a token that was rolled back, no "your password was reset"
 * for a password that was not, no verification for an account that was never created.
 */
@Injectable()
export class AccountMailSender {
  constructor(
    private readonly tx: TransactionContext,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  send(message: AccountMessage): void {
    this.tx.afterCommit(() => this.options.mailer.enqueue(message));
  }
}

import { Module } from '@nestjs/common';
import { optionsCheck } from '../../common/options/options-check.provider';
import { TransactionModule } from '../../database/transaction.module';
import { UsersModule } from '../../users/users.module';
import { AccountMailLimiter } from './account-mail.limiter';
import { AccountMailSender } from './account-mail.sender';
import { AccountTokensPurger } from './account-tokens.purger';
import { AccountTokensService } from './account-tokens.service';
import { ConfigurableAccountsModule } from './accounts.module-definition';
import { ACCOUNTS_OPTIONS, validateAccountsOptions } from './accounts.options';
import { AccountsController } from './accounts.controller';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';
import { UnverifiedAccountGuard } from './unverified-account.guard';
import { UnverifiedAccountPolicy } from './unverified-account.policy';

/**
 * Accounts people can run on (ASVS V6): e-mail verification, address change and password
 * reset by one-time links sent through the host's mail port, and the limits of an account whose
 * address is not verified yet. The host places UnverifiedAccountGuard after its authentication
 * guards and calls EmailVerificationService.send after a registration. Invalid options stop the
 * start.
 */
@Module({
  imports: [TransactionModule, UsersModule],
  providers: [
    optionsCheck(ACCOUNTS_OPTIONS, validateAccountsOptions),
    AccountTokensService,
    AccountTokensPurger,
    AccountMailLimiter,
    AccountMailSender,
    EmailVerificationService,
    PasswordResetService,
    UnverifiedAccountGuard,
    UnverifiedAccountPolicy,
  ],
  controllers: [AccountsController],
  exports: [EmailVerificationService, UnverifiedAccountGuard, UnverifiedAccountPolicy],
})
export class AccountsModule extends ConfigurableAccountsModule {}

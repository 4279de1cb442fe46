import { Module } from '@nestjs/common';
import { optionsCheck } from '../../common/options/options-check.provider';
import { TransactionModule } from '../../database/transaction.module';
import { UsersModule } from '../../users/users.module';
import { MFA_POLICY, MfaPolicy } from '../authorization/mfa-policy';
import { MfaChallengesPurger } from './mfa-challenges.purger';
import { MfaController } from './mfa.controller';
import { ConfigurableMfaModule } from './mfa.module-definition';
import { MFA_OPTIONS, MfaOptions, validateMfaOptions } from './mfa.options';
import { MfaService } from './mfa.service';

/**
 * TOTP MFA (RFC 6238) with recovery codes and step-up, on top of the JWT layer's sessions:
 * `MfaModule.forRoot({ encryptionKey, issuer, attempts, stepUpMaxAgeSeconds })` beside
 * `JwtAuthModule.forRoot(...)`, whose TokenService it uses. It provides the step-up policy
 * (MFA_POLICY) that the authorization layer's guard applies to @RequiresMfa routes, and
 * MfaService, which the host hands to AuthEndpointsModule as the login's `secondFactor`.
 */
@Module({
  imports: [TransactionModule, UsersModule],
  providers: [
    optionsCheck(MFA_OPTIONS, validateMfaOptions), // a bad one stops the start
    MfaService,
    MfaChallengesPurger,
    {
      provide: MFA_POLICY,
      inject: [MFA_OPTIONS],
      useFactory: (options: MfaOptions): MfaPolicy => ({
        stepUpMaxAgeSeconds: options.stepUpMaxAgeSeconds,
        requiredForAdmins: options.requiredForAdmins ?? false,
      }),
    },
  ],
  controllers: [MfaController],
  exports: [MfaService, MFA_POLICY],
})
export class MfaModule extends ConfigurableMfaModule {}

import { Module } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { KeyObject } from 'node:crypto';
import { TransactionModule } from '../../database/transaction.module';
import { optionsCheck } from '../../common/options/options-check.provider';
import { ConfigurableJwtAuthModule } from './jwt-auth.module-definition';
import { JWT_AUTH_OPTIONS, JwtAuthOptions, validateJwtAuthOptions } from './jwt-auth.options';
import { JWT_ALGORITHM, JWT_KEY, jwtKeyProvider } from './jwt-key.provider';
import { JwtStrategy } from './jwt.strategy';
import { TokenService } from './token.service';

/**
 * People (API2:2023): JWT access tokens checked against a live session, rotating refresh
 * tokens, logout. `JwtAuthModule.forRoot({ secret, issuer, audience, accessTtlSeconds,
 * refreshTtlSeconds })` needs only a global DataSource from the host; AuthEndpointsModule adds
 * the /v1/auth routes. Invalid options stop the start.
 */
@Module({
  imports: [PassportModule, TransactionModule],
  providers: [
    optionsCheck(JWT_AUTH_OPTIONS, validateJwtAuthOptions), // a bad one stops the start
    jwtKeyProvider, // the secret: a short one stops the start
    {
      // One signer/verifier with the algorithm, issuer and audience pinned.
      provide: JwtService,
      inject: [JWT_KEY, JWT_AUTH_OPTIONS],
      useFactory: (key: KeyObject, options: JwtAuthOptions) =>
        new JwtService({
          secret: key,
          signOptions: {
            algorithm: JWT_ALGORITHM,
            issuer: options.issuer,
            audience: options.audience,
            expiresIn: options.accessTtlSeconds,
          },
          verifyOptions: {
            algorithms: [JWT_ALGORITHM],
            issuer: options.issuer,
            audience: options.audience,
          },
        }),
    },
    JwtStrategy,
    TokenService,
  ],
  exports: [TokenService, JwtStrategy],
})
export class JwtAuthModule extends ConfigurableJwtAuthModule {}

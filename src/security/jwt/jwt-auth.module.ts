import { Module } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { DataSource } from 'typeorm';
import { TransactionModule } from '../../database/transaction.module';
import { optionsCheck } from '../../common/options/options-check.provider';
import { ConfigurableJwtAuthModule } from './jwt-auth.module-definition';
import { JWT_AUTH_OPTIONS, JwtAuthOptions, validateJwtAuthOptions } from './jwt-auth.options';
import { JWT_KEYS_CHECKED, jwtKeyProvider } from './jwt-key.provider';
import { JwksController } from './keys/jwks.controller';
import { SigningKeyRing } from './keys/signing-key-ring.service';
import { JwtStrategy } from './jwt.strategy';
import { LiveSessions } from './live-sessions';
import { TokenService } from './token.service';

/**
 * People (API2:2023): JWT access tokens checked against a live session, rotating refresh
 * tokens, logout. `JwtAuthModule.forRoot({ keyEncryptionKey, issuer, audience,
 * accessTtlSeconds, refreshTtlSeconds })` needs only a global DataSource from the host; AuthEndpointsModule adds
 * the /v1/auth routes. Invalid options stop the start.
 */
@Module({
  imports: [PassportModule, TransactionModule],
  providers: [
    optionsCheck(JWT_AUTH_OPTIONS, validateJwtAuthOptions), // a bad one stops the start
    jwtKeyProvider, // key-encryption key and HS256 secret: a bad one stops the start
    {
      // The signer, with issuer, audience and lifetime pinned; the key and its algorithm come
      // from the ring at each signature. (Verification is JwtStrategy's, never this service's.)
      provide: JwtService,
      inject: [JWT_KEYS_CHECKED, JWT_AUTH_OPTIONS],
      useFactory: (_checked: true, options: JwtAuthOptions) =>
        new JwtService({
          signOptions: {
            issuer: options.issuer,
            audience: options.audience,
            expiresIn: options.accessTtlSeconds,
          },
        }),
    },
    {
      provide: SigningKeyRing,
      inject: [JWT_KEYS_CHECKED, DataSource, JWT_AUTH_OPTIONS],
      useFactory: (_checked: true, dataSource: DataSource, options: JwtAuthOptions) =>
        new SigningKeyRing(dataSource, options),
    },
    LiveSessions,
    JwtStrategy,
    TokenService,
  ],
  // The JWKS is public key material only, and belongs with the layer even without endpoints:
  // gateways need it wherever tokens are issued.
  controllers: [JwksController],
  exports: [TokenService, JwtStrategy, SigningKeyRing],
})
export class JwtAuthModule extends ConfigurableJwtAuthModule {}

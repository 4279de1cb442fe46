import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { KeyObject } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { UsersModule } from '../../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JWT_ALGORITHM, JWT_KEY, jwtKeyProvider } from './jwt-key.provider';
import { JwtStrategy } from './jwt.strategy';
import { TokenService } from './token.service';

/** People: login, JWT access tokens, rotating refresh tokens, logout. */
@Module({
  imports: [
    PassportModule,
    UsersModule,
    JwtModule.registerAsync({
      extraProviders: [jwtKeyProvider],
      inject: [JWT_KEY, APP_CONFIG],
      useFactory: (key: KeyObject, config: AppConfig) => ({
        secret: key,
        signOptions: {
          algorithm: JWT_ALGORITHM,
          issuer: config.auth.jwtIssuer,
          audience: config.auth.jwtAudience,
          expiresIn: config.auth.accessTtlSeconds,
        },
        verifyOptions: {
          algorithms: [JWT_ALGORITHM],
          issuer: config.auth.jwtIssuer,
          audience: config.auth.jwtAudience,
        },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [jwtKeyProvider, JwtStrategy, TokenService, AuthService],
  exports: [TokenService],
})
export class JwtAuthModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { InFlightRequestsModule } from './common/http/in-flight-requests.module';
import { AuditModule } from './security/audit/audit.module';
import { UsageModule } from './usage/usage.module';
import { RedisModule } from './redis/redis.module';
import { AuthenticationGuard } from './security/authorization/authentication.guard';
import { AuthorizationGuard } from './security/authorization/authorization.guard';
import { ClientIpThrottlerGuard } from './security/throttling/client-ip-throttler.guard';
import { IdentityThrottlerGuard } from './security/throttling/identity-throttler.guard';
import { ThrottlingModule } from './security/throttling/throttling.module';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { REDIS } from './redis/redis.constants';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { ProblemDetailsModule } from './common/problem-details/problem-details.module';
import { ValidationModule } from './security/validation/validation.module';
import { SecurityHeadersModule } from './security/headers/security-headers.module';
import { DOCS_PATH } from './openapi/openapi.setup';
import { RATE_LIMIT_HEADERS } from './security/throttling/throttler-names';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { ApiKeyModule } from './security/api-key/api-key.module';
import { AuthorizationModule } from './security/authorization/authorization.module';
import { ApiKeyStrategy } from './security/api-key/api-key.strategy';
import { JwtStrategy } from './security/jwt/jwt.strategy';
import { JwtAuthModule } from './security/jwt/jwt-auth.module';
import { UsersAdminModule } from './users/users-admin.module';
import { WeatherModule } from './weather/weather.module';

/**
 * The order in which every request meets the guards. Global guards run in the order they are
 * registered, so it is spelled out here rather than left to module import order.
 */
const GUARDS_IN_ORDER = [
  { provide: APP_GUARD, useExisting: ClientIpThrottlerGuard }, // per IP, before anything else
  { provide: APP_GUARD, useExisting: AuthenticationGuard }, // who is calling (default deny)
  { provide: APP_GUARD, useExisting: AuthorizationGuard }, // may they call this route
  { provide: APP_GUARD, useExisting: IdentityThrottlerGuard }, // per user / API key
];

/** Wiring that is not configuration: tests use it to capture log output. */
export interface AppOptions {
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, options.logDestination),
        InFlightRequestsModule,
        DatabaseModule,
        RedisModule,
        SecurityHeadersModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            corsOrigins: c.corsOrigins,
            docsPath: c.docsEnabled ? `/${DOCS_PATH}` : undefined,
            exposedHeaders: RATE_LIMIT_HEADERS,
          }),
        }),
        ProblemDetailsModule,
        ValidationModule,
        HealthModule,
        ThrottlingModule.forRootAsync({
          inject: [APP_CONFIG, REDIS],
          useFactory: (c: AppConfig, redis: Redis | null) => ({ limits: c.rateLimits, redis }),
        }),
        AuthorizationModule.forRoot({
          // The header present picks the strategy; both at once is refused.
          credentials: [
            { header: 'x-api-key', strategy: ApiKeyStrategy },
            { header: 'authorization', strategy: JwtStrategy },
          ],
        }),
        JwtAuthModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            secret: c.auth.jwtSecret,
            issuer: c.auth.jwtIssuer,
            audience: c.auth.jwtAudience,
            accessTtlSeconds: c.auth.accessTtlSeconds,
            refreshTtlSeconds: c.auth.refreshTtlSeconds,
            registrationEnabled: c.auth.registrationEnabled,
          }),
          endpoints: true,
        }),
        ApiKeyModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            rotationGraceSeconds: c.auth.apiKeyRotationGraceSeconds,
            defaultRateLimitPerMinute: c.rateLimits.perApiKeyPerMinute,
          }),
          endpoints: true,
        }),
        UsersAdminModule,
        WeatherModule,
        AuditModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ maxQueuedRecords: c.auditQueueMaxRecords }),
          endpoints: true,
        }),
        UsageModule,
        BootstrapModule,
      ],
      providers: GUARDS_IN_ORDER,
    };
  }
}

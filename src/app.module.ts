import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { InFlightRequestsModule } from './common/http/in-flight-requests.module';
import { AuditModule } from './security/audit/audit.module';
import { UsageModule } from './usage/usage.module';
import { RedisModule } from './redis/redis.module';
import { ThrottlingModule } from './security/throttling/throttling.module';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { REDIS } from './redis/redis.constants';
import { AppConfigModule } from './config/app-config.module';
import { DatabaseModule } from './database/database.module';
import { PrincipalCache } from './common/principal-cache/principal-cache';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { LoggingModule } from './logging/logging.module';
import { ProblemDetailsModule } from './common/problem-details/problem-details.module';
import { ValidationModule } from './security/validation/validation.module';
import { SecurityHeadersModule } from './security/headers/security-headers.module';
import { DOCS_PATH } from './openapi/openapi.setup';
import { RATE_LIMIT_HEADERS } from './security/throttling/throttler-names';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { ApiKeyModule } from './security/api-key/api-key.module';
import { ApiKeyEndpointsModule } from './security/api-key/api-key-endpoints.module';
import { AuditEndpointsModule } from './security/audit/audit-endpoints.module';
import { AuthEndpointsModule } from './security/jwt/auth-endpoints.module';
import { LoginAttemptsLimiter } from './security/throttling/login-attempts.limiter';
import { REQUEST_PIPELINE } from './request-pipeline';
import { AuthorizationModule } from './security/authorization/authorization.module';
import { ApiKeyStrategy } from './security/api-key/api-key.strategy';
import { JwtStrategy } from './security/jwt/jwt.strategy';
import { JwtAuthModule } from './security/jwt/jwt-auth.module';
import { MfaModule } from './security/mfa/mfa.module';
import { MfaService } from './security/mfa/mfa.service';
import { UsersAdminModule } from './users/users-admin.module';
import { WeatherModule } from './weather/weather.module';
import { StationKeyBinding } from './weather/stations/station-key-binding';
import { WEATHER_SCOPES } from './weather/weather-scopes';
import { MailModule } from './mail/mail.module';
import { MAIL_PORT, type MailPort } from './mail/mail.port';
import { AccountsModule } from './security/accounts/accounts.module';
import { EmailVerificationService } from './security/accounts/email-verification.service';
import { COUNTER_STORAGE, type CounterStorage } from './security/throttling/counter-storage';
import { TokenService } from './security/jwt/token.service';
import { MonitoringModule } from './security/monitoring/monitoring.module';
import { MonitoringEndpointsModule } from './security/monitoring/monitoring-endpoints.module';
import { MONITORING_WIRING } from './monitoring.wiring';

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
        AppConfigModule.forRoot(config),
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
        IdempotencyModule.forRoot({ ttlSeconds: config.idempotencyKeyTtlSeconds }),
        HealthModule,
        ThrottlingModule.forRootAsync({
          inject: [APP_CONFIG, REDIS],
          useFactory: (c: AppConfig, redis: Redis | null) => ({ limits: c.rateLimits, redis }),
        }),
        AuthorizationModule.forRoot({
          // The header present picks the strategy; both at once is refused.
          credentials: [
            { header: 'x-api-key', strategy: ApiKeyStrategy, kind: 'api-key' },
            { header: 'authorization', strategy: JwtStrategy, kind: 'jwt' },
          ],
        }),
        JwtAuthModule.forRootAsync({
          inject: [APP_CONFIG, PrincipalCache],
          useFactory: (c: AppConfig, principalCache: PrincipalCache) => ({
            keyEncryptionKey: c.auth.keyEncryptionKey,
            secret: c.auth.jwtSecret,
            jwksMaxAgeSeconds: c.auth.jwksMaxAgeSeconds,
            issuer: c.auth.jwtIssuer,
            audience: c.auth.jwtAudience,
            accessTtlSeconds: c.auth.accessTtlSeconds,
            refreshTtlSeconds: c.auth.refreshTtlSeconds,
            principalCache, // kept current by the database's change feed (DatabaseModule)
          }),
        }),
        MfaModule.forRootAsync({
          inject: [APP_CONFIG, LoginAttemptsLimiter],
          useFactory: (c: AppConfig, attempts: LoginAttemptsLimiter) => ({
            encryptionKey: c.mfa.encryptionKey,
            issuer: c.mfa.totpIssuer,
            attempts, // a wrong code spends the same per-account budget as a wrong password
            stepUpMaxAgeSeconds: c.mfa.stepUpMaxAgeSeconds,
            requiredForAdmins: c.mfa.requiredForAdmins,
          }),
        }),
        AuthEndpointsModule.forRootAsync({
          inject: [APP_CONFIG, LoginAttemptsLimiter, MfaService, EmailVerificationService],
          useFactory: (
            c: AppConfig,
            loginAttempts: LoginAttemptsLimiter,
            mfa: MfaService,
            verification: EmailVerificationService,
          ) => ({
            registrationEnabled: c.auth.registrationEnabled,
            loginAttempts, // failed logins per account, from the throttling layer
            secondFactor: mfa, // TOTP, from the MFA layer
            onRegistered: (user) => verification.send(user.email), // the verification link
          }),
        }),
        MailModule.forRoot(config.mail),
        AccountsModule.forRootAsync({
          inject: [APP_CONFIG, MAIL_PORT, COUNTER_STORAGE, LoginAttemptsLimiter, TokenService],
          useFactory: (
            c: AppConfig,
            mailer: MailPort,
            counters: CounterStorage,
            passwordAttempts: LoginAttemptsLimiter,
            tokens: TokenService,
          ) => ({
            ...c.accounts,
            mailer,
            counters, // the rate-limit store: shared through Redis when it is configured
            passwordAttempts,
            sessions: {
              revokeAllSessions: async (id) => {
                await tokens.revokeAllSessions(id, 'password_changed');
              },
            },
            // load-config refuses production without SMTP when a flow needs mail.
            mailAvailable: c.mail.smtpUrl !== undefined || c.nodeEnv !== 'production',
          }),
        }),
        ApiKeyModule.forRootAsync({
          imports: [WeatherModule],
          inject: [APP_CONFIG, StationKeyBinding, PrincipalCache],
          useFactory: (
            c: AppConfig,
            stations: StationKeyBinding,
            principalCache: PrincipalCache,
          ) => ({
            rotationGraceSeconds: c.auth.apiKeyRotationGraceSeconds,
            defaultRateLimitPerMinute: c.rateLimits.perApiKeyPerMinute,
            scopes: WEATHER_SCOPES, // what a key may be granted
            binding: stations, // a key may be bound to a station its creator manages
            principalCache,
          }),
        }),
        ApiKeyEndpointsModule,
        UsersAdminModule,
        WeatherModule,
        AuditModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            maxQueuedRecords: c.auditQueueMaxRecords,
            sealIntervalMs: c.auditSeal.intervalMs,
            sealMaxDelayMs: c.auditSeal.maxDelayMs,
          }),
        }),
        AuditEndpointsModule,
        UsageModule,
        MonitoringModule.forRootAsync({
          inject: [APP_CONFIG, REDIS],
          useFactory: (c: AppConfig, redis: Redis | null) => ({
            metrics: c.metrics,
            alerts: c.alerts,
            redis, // detection counters shared by the instances; its errors counted
          }),
        }),
        MonitoringEndpointsModule,
        BootstrapModule,
      ],
      // guards, interceptors, pipe, filter: in the order they run; then what feeds the metrics
      providers: [...REQUEST_PIPELINE, MONITORING_WIRING],
    };
  }
}

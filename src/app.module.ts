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
import { HealthModule } from './health/health.module';
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
import { UsersAdminModule } from './users/users-admin.module';
import { WeatherModule } from './weather/weather.module';
import { StationKeyBinding } from './weather/stations/station-key-binding';
import { WEATHER_SCOPES } from './weather/weather-scopes';
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
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            keyEncryptionKey: c.auth.keyEncryptionKey,
            secret: c.auth.jwtSecret,
            jwksMaxAgeSeconds: c.auth.jwksMaxAgeSeconds,
            issuer: c.auth.jwtIssuer,
            audience: c.auth.jwtAudience,
            accessTtlSeconds: c.auth.accessTtlSeconds,
            refreshTtlSeconds: c.auth.refreshTtlSeconds,
          }),
        }),
        AuthEndpointsModule.forRootAsync({
          inject: [APP_CONFIG, LoginAttemptsLimiter],
          useFactory: (c: AppConfig, loginAttempts: LoginAttemptsLimiter) => ({
            registrationEnabled: c.auth.registrationEnabled,
            loginAttempts, // failed logins per account, from the throttling layer
          }),
        }),
        ApiKeyModule.forRootAsync({
          imports: [WeatherModule],
          inject: [APP_CONFIG, StationKeyBinding],
          useFactory: (c: AppConfig, stations: StationKeyBinding) => ({
            rotationGraceSeconds: c.auth.apiKeyRotationGraceSeconds,
            defaultRateLimitPerMinute: c.rateLimits.perApiKeyPerMinute,
            scopes: WEATHER_SCOPES, // what a key may be granted
            binding: stations, // a key may be bound to a station its creator manages
          }),
        }),
        ApiKeyEndpointsModule,
        UsersAdminModule,
        WeatherModule,
        AuditModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({ maxQueuedRecords: c.auditQueueMaxRecords }),
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

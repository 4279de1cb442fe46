import type { INestApplication, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { InFlightRequests } from './common/http/in-flight-requests';
import {
  inFlightMiddleware,
  requestIdMiddleware,
  requireJsonBody,
  traceContextMiddleware,
} from './common/http/platform-middleware';
import { trustedPeer } from './common/http/trusted-proxy';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { BODY_LIMIT_BYTES, useJsonBodyParser } from './common/http/http-adapter';
import { ProblemDetailsFilter } from './common/problem-details/problem-details.filter';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { HTTP_LOGGER, HttpLogger } from './logging/logging.module';
import { AuditInterceptor } from './security/audit/audit.interceptor';
import { AuthenticationGuard } from './security/authorization/authentication.guard';
import { AuthorizationGuard } from './security/authorization/authorization.guard';
import { UnverifiedAccountGuard } from './security/accounts/unverified-account.guard';
import { ClientIpThrottlerGuard } from './security/throttling/client-ip-throttler.guard';
import { IdentityThrottlerGuard } from './security/throttling/identity-throttler.guard';
import { PreRoutingIpLimiter } from './security/throttling/pre-routing-ip.limiter';
import { HttpMetrics } from './security/monitoring/http-metrics';
import { VALIDATION_PIPE } from './security/validation/validation.pipe';
import { UsageInterceptor } from './usage/usage.interceptor';

/** 100 kB, on either adapter (HTTP_ADAPTER). */
export const BODY_LIMIT = BODY_LIMIT_BYTES;

/**
 * The whole request pipeline, in the order a request meets it. The README's diagram is this
 * file. Nothing registers itself elsewhere: each layer's module provides its piece, and only
 * here is it put in place.
 *
 *  0. Security headers and CORS (SecurityHeadersModule, installed while the app is created, so
 *     before everything below, and on every answer, a 413 or 404 too).
 *  1. Platform middleware, before routing: installPlatformMiddleware() below. Node-level
 *     `(req, res, next)` functions, so the same ones run on Express and on Fastify (middie).
 *  2. Module middleware: request arrival time (ApiKeyModule, for rotation compare-and-swap).
 *  3. Guards, interceptors, pipe and filter: REQUEST_PIPELINE below.
 */
export function installPlatformMiddleware(app: INestApplication): void {
  const httpMetrics = app.get(HttpMetrics);
  app.use(httpMetrics.middleware); // first: every answer is counted, a 413 or 404 too
  httpMetrics.linkRoutedRequests(app.getHttpAdapter()); // Fastify: its route and caller, for it
  app.use(inFlightMiddleware(app.get(InFlightRequests))); // counted for a graceful shutdown
  app.use(requestIdMiddleware); // the server's own id: even a rejected request is traceable
  // W3C trace context, from a trusted proxy only (TRUST_PROXY)
  app.use(traceContextMiddleware(trustedPeer(app.get<AppConfig>(APP_CONFIG).trustProxy)));
  const httpLogger = app.get<HttpLogger | null>(HTTP_LOGGER);
  if (httpLogger) app.use(httpLogger); // one access-log line per request, when info is logged
  // Per IP, before anything can refuse a request without routing it (415, 413, malformed
  // JSON, 404): floods of those are limited too.
  app.use(app.get(PreRoutingIpLimiter).middleware);
  app.use(requireJsonBody); // 415 for a body that is not UTF-8, uncompressed JSON
  useJsonBodyParser(app.getHttpAdapter()); // 413 past the limit, 400 if malformed
}

/**
 * Nest runs global guards, then interceptors (the first listed is outermost), then the pipe,
 * the handler, and the filter for whatever was thrown; each in the order registered here.
 */
export const REQUEST_PIPELINE: Provider[] = [
  { provide: APP_GUARD, useExisting: ClientIpThrottlerGuard }, // per IP, before anything else
  { provide: APP_GUARD, useExisting: AuthenticationGuard }, // who is calling (default deny)
  { provide: APP_GUARD, useExisting: AuthorizationGuard }, // may they call this route
  { provide: APP_GUARD, useExisting: UnverifiedAccountGuard }, // unverified address: read-only
  { provide: APP_GUARD, useExisting: IdentityThrottlerGuard }, // per user / API key
  { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor }, // replays a retried create
  { provide: APP_INTERCEPTOR, useExisting: AuditInterceptor }, // @Audited outcome, in its transaction
  { provide: APP_INTERCEPTOR, useExisting: UsageInterceptor }, // usage counters
  { provide: APP_PIPE, useExisting: VALIDATION_PIPE }, // strict DTO validation
  { provide: APP_FILTER, useExisting: ProblemDetailsFilter }, // every error as problem+json
];

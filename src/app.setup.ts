import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from './config/app-config';
import { InFlightRequests } from './common/http/in-flight-requests';
import {
  inFlightMiddleware,
  requestIdMiddleware,
  requireJsonBody,
} from './common/http/express-platform';
import { setupOpenApi } from './openapi/openapi.setup';
import { HTTP_LOGGER, HttpLogger } from './logging/logging.module';
import { PreRoutingIpLimiter } from './security/throttling/pre-routing-ip.limiter';

export const BODY_LIMIT = '100kb';

/**
 * The request pipeline's platform part, shared by main.ts and every e2e test so that tests
 * exercise exactly what production runs. Order matters: the security headers and CORS come
 * first (SecurityHeadersModule installs them while the app is created, before this runs), then
 * the request id (so even a rejected request is traceable), the request log, the per-IP limit,
 * then the content-type gate, then the size-capped parser. The Nest-level layers (validation pipe, problem+json filter) are modules.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  const express = app.getHttpAdapter().getInstance();
  express.disable('x-powered-by');
  // Only the configured proxies may set the client IP through X-Forwarded-For.
  express.set('trust proxy', config.trustProxy);

  app.use(inFlightMiddleware(app.get(InFlightRequests)));
  app.use(requestIdMiddleware);
  app.use(app.get<HttpLogger>(HTTP_LOGGER));
  // The per-IP limit, before anything can refuse a request without routing it (415, 413, 400
  // for malformed JSON, 404): floods of those are limited too.
  app.use(app.get(PreRoutingIpLimiter).middleware);
  app.use(requireJsonBody);
  app.useBodyParser('json', { limit: BODY_LIMIT, strict: true });
  app.enableShutdownHooks();

  if (config.docsEnabled) setupOpenApi(app);
}

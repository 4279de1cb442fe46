import type { INestApplication } from '@nestjs/common';
import type { ExpressAdapter } from '@nestjs/platform-express';
import { applyTrustProxy } from './common/http/http-adapter';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi/openapi.setup';
import { BODY_LIMIT, installPlatformMiddleware } from './request-pipeline';

export { BODY_LIMIT };

/**
 * The platform part of the app, shared by main.ts and every e2e test so that tests exercise
 * exactly what production runs. The request pipeline itself is in request-pipeline.ts.
 */
export function configureApp(app: INestApplication, config: AppConfig): void {
  // Only the configured proxies may set the client IP through X-Forwarded-For (on Fastify, the
  // adapter was created with it).
  applyTrustProxy(app.getHttpAdapter(), config);
  withoutEtag(app);
  installPlatformMiddleware(app);
  // process.exit, not a re-raised signal: the 'exit' event is what makes pino write out the lines
  // it still buffers, the shutdown's own included (and a failed shutdown's error).
  app.enableShutdownHooks([], { useProcessExit: true });

  if (config.docsEnabled) setupOpenApi(app);
}

/**
 * No ETag on either adapter. Every API response is `Cache-Control: no-store`, so no client keeps
 * a copy to revalidate, and a validator computed from the body saves no server work (the query
 * and the JSON are made before it). Express would still sha1 every body (~45 µs on a 26 kB page);
 * Fastify sends none; the two now agree.
 */
function withoutEtag(app: INestApplication): void {
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'express') (adapter as ExpressAdapter).set('etag', false);
}

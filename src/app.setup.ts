import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi/openapi.setup';
import { BODY_LIMIT, installPlatformMiddleware } from './request-pipeline';

export { BODY_LIMIT };

/**
 * The platform part of the app, shared by main.ts and every e2e test so that tests exercise
 * exactly what production runs. The request pipeline itself is in request-pipeline.ts.
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  // Only the configured proxies may set the client IP through X-Forwarded-For.
  app.set('trust proxy', config.trustProxy);
  installPlatformMiddleware(app);
  // process.exit, not a re-raised signal: the 'exit' event is what makes pino write out the lines
  // it still buffers, the shutdown's own included (and a failed shutdown's error).
  app.enableShutdownHooks([], { useProcessExit: true });

  if (config.docsEnabled) setupOpenApi(app);
}

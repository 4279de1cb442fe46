import type { INestApplication } from '@nestjs/common';
import { AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { AppLogger } from './logging/app-logger';
import { AppModule, AppOptions } from './app.module';
import { configureApp } from './app.setup';
import { AppConfig } from './config/app-config';
import { createHttpAdapter } from './common/http/http-adapter';

/**
 * Builds the whole app, pipeline included. main.ts and every e2e test call this, so a test
 * sees the same headers, body limit, filters and pipes as production.
 */
export async function createApp(
  config: AppConfig,
  options: AppOptions = {},
  // Fastify unless HTTP_ADAPTER=express: every layer and test runs on both.
  adapter: AbstractHttpAdapter = createHttpAdapter(config),
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config, options), adapter, {
    // The JSON parser is registered by configureApp, after the content-type gate, with a limit.
    bodyParser: false,
    bufferLogs: true,
    // A start that fails keeps its buffered framework lines to itself: main.ts prints the one
    // line that matters. After a successful start they are flushed through pino below.
    autoFlushLogs: false,
    // Nest's own start-up lines print before pino takes over; silent means silent.
    ...(config.logLevel === 'silent' ? { logger: false as const } : {}),
    abortOnError: false,
  });
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  configureApp(app, config);
  return app;
}

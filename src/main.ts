import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './app.factory';
import { ConfigError } from './config/env-parsers';
import { loadConfig } from './config/load-config';
import { applyServerLimits } from './common/http/server-limits';

async function bootstrap(): Promise<void> {
  // A local .env is a convenience for development; real deployments set the environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApp(config);
  // Slow headers, slow bodies and connection floods are cut off by the server itself.
  applyServerLimits(app.getHttpServer(), config.http);
  await app.listen(config.port, config.host);
  const url = `http://${config.host}:${config.port}`;
  const docs = config.docsEnabled ? `; docs at ${url}/docs` : '';
  new Logger('Bootstrap').log(`Weather API listening on ${url}${docs}`);
}

bootstrap().catch((error: unknown) => {
  // Configuration and database errors are expected operator mistakes: one clear line, exit 1.
  const message =
    error instanceof ConfigError ||
    (error instanceof Error && error.name === 'DatabaseUnavailableError')
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  console.error(`weather-api failed to start: ${message}`);
  process.exit(1);
});

import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './app.factory';
import { FirstStartService } from './bootstrap/first-start.service';
import { StartupError } from './common/startup-error';
import { ConfigError } from './config/env-parsers';
import { loadConfig } from './config/load-config';
import { applyServerLimits } from './common/http/server-limits';
import { exitWhenEmbeddedDatabaseIsLost } from './database/embedded-database-lost';

async function bootstrap(): Promise<void> {
  // A local .env is a convenience for development; real deployments set the environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApp(config);
  exitWhenEmbeddedDatabaseIsLost(app);
  // Slow headers, slow bodies and connection floods are cut off by the server itself.
  applyServerLimits(app.getHttpServer() as Server, config.http);
  await app.listen(config.port, config.host).catch((error: unknown) => {
    throw listenError(error, `${config.host}:${config.port}`);
  });
  // Only now, with the port bound: a start that dies must not have shown anything "once".
  await app.get(FirstStartService).announceDemoCredentials();
  const url = `http://${config.host}:${config.port}`;
  const docs = config.docsEnabled ? `; docs at ${url}/docs` : '';
  new Logger('Bootstrap').log(`Weather API listening on ${url}${docs}`);
}

function listenError(error: unknown, address: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new StartupError(`PORT/HOST: ${address} is already in use by another process`);
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new StartupError(`PORT/HOST: cannot listen on ${address} (${String(code)})`);
  }
  return error;
}

bootstrap().catch((error: unknown) => {
  // Configuration, database, Redis and port errors are expected operator mistakes: one clear
  // line that names the variable, exit 1. Anything else is a bug: its stack helps.
  const message =
    error instanceof ConfigError || error instanceof StartupError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  console.error(`weather-api failed to start: ${message}`);
  process.exit(1);
});

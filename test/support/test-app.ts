import type { Server } from 'node:http';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { Env } from '../../src/config/env-parsers';
import { loadConfig } from '../../src/config/load-config';
import { createTestDatabase } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  /** Pass to supertest: `request(t.server).get(...)`. */
  server: Server;
  config: AppConfig;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * Boots the real app (AppModule through createApp, the same pipeline as production) on a fresh
 * database: in-memory PGlite by default, a new database on the server when DATABASE_URL is set.
 * `env` overrides individual variables, exactly as an operator would set them.
 */
export async function startTestApp(env: Env = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PGLITE_DATA_DIR: 'memory://',
    SEED_DEMO_DATA: 'false',
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? database.url,
  });
  const app = await createApp(config);
  await app.init();
  return {
    app,
    server: app.getHttpServer() as Server,
    config,
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

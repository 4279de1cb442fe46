import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { createHttpAdapter } from '../../src/common/http/http-adapter';
import type { AppOptions } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { Env } from '../../src/config/env-parsers';
import { loadConfig } from '../../src/config/load-config';
import { ServedRoute, recordServedRoutes } from './routes';
import { login } from './sign-in';
import { TEST_HTTP_ADAPTER, readyToServe } from './http-adapter';
import { createTestDatabase } from './test-database';

/** The first admin of every test app (BOOTSTRAP_ADMIN_*); a test-only, per-run password. */
export const TEST_ADMIN = {
  email: 'admin@test.example',
  password: `test-admin-${randomBytes(12).toString('base64url')}`,
};

export const GENEROUS_RATE_LIMITS: Env = {
  RATE_LIMIT_IP_PER_MINUTE: '100000',
  RATE_LIMIT_VIEWER_PER_MINUTE: '100000',
  RATE_LIMIT_OPERATOR_PER_MINUTE: '100000',
  RATE_LIMIT_ADMIN_PER_MINUTE: '100000',
  RATE_LIMIT_API_KEY_PER_MINUTE: '100000',
  RATE_LIMIT_LOGIN_IP_PER_15_MINUTES: '100000',
  RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: '100000',
  RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: '100000',
  RATE_LIMIT_API_KEY_ISSUE_PER_HOUR: '100000',
  RATE_LIMIT_ACCOUNT_MAIL_PER_EMAIL_PER_HOUR: '100000',
  RATE_LIMIT_ACCOUNT_MAIL_PER_IP_PER_HOUR: '100000',
};

export interface TestApp {
  app: INestApplication;
  /** Pass to supertest: `request(t.server).get(...)`. */
  server: Server;
  config: AppConfig;
  dataSource: DataSource;
  /** What the HTTP platform serves (see test/support/routes.ts). */
  servedRoutes(): ServedRoute[];
  /**
   * Headers that authenticate as a full-rights caller on /v1 routes. Tests of the weather domain
   * send them on every /v1 request, so they keep testing the domain once authentication exists.
   */
  auth: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Boots the real app (AppModule through createApp, the same pipeline as production) on a fresh
 * database: in-memory PGlite by default, a new database on the server when DATABASE_URL is set.
 * `env` overrides individual variables, exactly as an operator would set them.
 */
export async function startTestApp(env: Env = {}, options: AppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PGLITE_DATA_DIR: 'memory://',
    SEED_DEMO_DATA: 'false',
    BOOTSTRAP_ADMIN_EMAIL: TEST_ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: TEST_ADMIN.password,
    // Every test client is 127.0.0.1: generous limits here, tight ones where a test is about them.
    ...GENEROUS_RATE_LIMITS,
    HTTP_ADAPTER: TEST_HTTP_ADAPTER,
    ...env,
    DATABASE_URL: env.DATABASE_URL ?? database.url,
  });
  const adapter = createHttpAdapter(config);
  const served = recordServedRoutes(adapter);
  const app = await createApp(config, options, adapter);
  await app.init();
  await readyToServe(app);
  const server: Server = app.getHttpServer();
  return {
    app,
    server,
    config,
    dataSource: app.get(DataSource),
    servedRoutes: served,
    auth: config.auth.bootstrapAdmin
      ? (await login({ server }, config.auth.bootstrapAdmin)).auth
      : {},
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

'use strict';
/**
 * A host built from the layer modules, as test/layers does, for `npm run bench -- --layers`:
 * one route, `GET /demo/hello`, and the layers named in BENCH_HOST_LAYERS (comma-separated, in
 * the order of LAYERS below, each step adding one). Runs the built code in dist/. When the
 * api-key layer is on, the host makes a key on an in-memory PGlite and writes it to
 * BENCH_HOST_KEY_FILE; the route then demands it.
 *
 * On the adapter HTTP_ADAPTER names, Fastify by default, as the app and the test/layers hosts
 * (test/support/http-adapter.ts) choose it: a bare adapter, as a host that copies one layer has.
 *
 * Plain JS, so decorators are applied as functions.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Controller, Get, Global, Module } = require('@nestjs/common');
const { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, NestFactory } = require('@nestjs/core');
const { DataSource } = require('typeorm');

const DIST = path.resolve(__dirname, '..', '..', '..', 'dist', 'src');
const load = (file) => require(path.join(DIST, file));

const LIMITS = {
  perIpPerMinute: 1_000_000,
  perRolePerMinute: { viewer: 1_000_000, operator: 1_000_000, admin: 1_000_000 },
  perApiKeyPerMinute: 1_000_000,
  loginPerIpPer15Minutes: 10,
  loginFailuresPerEmailPer15Minutes: 5,
  registerPerIpPerHour: 10,
  apiKeyIssuePerHour: 10,
};

/** Each layer: the modules and the providers a host adds for it (as request-pipeline.ts does). */
const LAYERS = {
  headers: () => ({
    imports: [
      load('security/headers/security-headers.module').SecurityHeadersModule.forRoot({
        corsOrigins: [],
      }),
    ],
  }),
  validation: () => {
    const { VALIDATION_PIPE } = load('security/validation/validation.pipe');
    const { ProblemDetailsFilter } = load('common/problem-details/problem-details.filter');
    return {
      imports: [
        load('security/validation/validation.module').ValidationModule,
        load('common/problem-details/problem-details.module').ProblemDetailsModule,
      ],
      providers: [
        { provide: APP_PIPE, useExisting: VALIDATION_PIPE },
        { provide: APP_FILTER, useExisting: ProblemDetailsFilter },
      ],
    };
  },
  throttling: () => ({
    imports: [
      load('security/throttling/throttling.module').ThrottlingModule.forRoot({ limits: LIMITS }),
    ],
    providers: [
      {
        provide: APP_GUARD,
        useExisting: load('security/throttling/client-ip-throttler.guard').ClientIpThrottlerGuard,
      },
    ],
  }),
  'api-key': () => {
    const { ApiKeyStrategy } = load('security/api-key/api-key.strategy');
    const { AuthenticationGuard } = load('security/authorization/authentication.guard');
    const { AuthorizationGuard } = load('security/authorization/authorization.guard');
    return {
      imports: [
        load('security/api-key/api-key.module').ApiKeyModule.forRoot({
          rotationGraceSeconds: 600,
          defaultRateLimitPerMinute: 1_000_000,
          scopes: ['stations:read'], // names the migrations' CHECK knows
        }),
        load('security/authorization/authorization.module').AuthorizationModule.forRoot({
          credentials: [{ header: 'x-api-key', strategy: ApiKeyStrategy }],
        }),
      ],
      providers: [
        { provide: APP_GUARD, useExisting: AuthenticationGuard },
        { provide: APP_GUARD, useExisting: AuthorizationGuard },
      ],
    };
  },
  audit: () => ({
    imports: [load('security/audit/audit.module').AuditModule.forRoot()],
    providers: [
      {
        provide: APP_INTERCEPTOR,
        useExisting: load('security/audit/audit.interceptor').AuditInterceptor,
      },
    ],
  }),
};

function demoController(withKey) {
  class DemoController {
    hello() {
      return { hello: 'world' };
    }
  }
  Controller('demo')(DemoController);
  const descriptor = Object.getOwnPropertyDescriptor(DemoController.prototype, 'hello');
  Get('hello')(DemoController.prototype, 'hello', descriptor);
  if (withKey) {
    const { Credentials, Scopes } = load('security/authorization/policy.decorators');
    Credentials('api-key')(DemoController.prototype, 'hello', descriptor);
    Scopes('stations:read')(DemoController.prototype, 'hello', descriptor);
  }
  return DemoController;
}

async function databaseModule() {
  const { openDataSource } = load('database/database-connection');
  const dataSource = await openDataSource({
    pgliteDataDir: 'memory://',
    runMigrations: true,
    migrationLockTimeoutMs: 60000,
    statementTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    poolSize: 1,
  });
  class HostDatabaseModule {}
  Global()(HostDatabaseModule);
  Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })(
    HostDatabaseModule,
  );
  return { dataSource, HostDatabaseModule };
}

/** A key owner as any app would have one, and a key it issued, through the layer's service. */
async function issueKey(app, dataSource) {
  const [owner] = await dataSource.query(
    `INSERT INTO users (email, password_hash, role) VALUES ('bench@bench.invalid', 'not-a-hash', 'operator')
     RETURNING id`,
  );
  const { ApiKeysService } = load('security/api-key/api-keys.service');
  const principal = {
    kind: 'user',
    userId: owner.id,
    role: 'operator',
    sessionId: 's',
    tokenId: 't',
  };
  const { key } = await app
    .get(ApiKeysService)
    .create(principal, { name: 'bench', scopes: ['stations:read'] });
  // Written whole, then renamed: the bench takes the file's existence as "ready".
  const file = process.env.BENCH_HOST_KEY_FILE;
  fs.writeFileSync(`${file}.tmp`, key, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Nest's Express parser takes 100 kB; Fastify's default (1 MiB) is brought to the same. */
const PLAIN_BODY_LIMIT_BYTES = 100 * 1024;

function hostAdapter() {
  if (process.env.HTTP_ADAPTER === 'express') {
    const { ExpressAdapter } = require('@nestjs/platform-express');
    return new ExpressAdapter();
  }
  const { FastifyAdapter } = require('@nestjs/platform-fastify');
  return new FastifyAdapter({ bodyLimit: PLAIN_BODY_LIMIT_BYTES });
}

async function main() {
  const names = (process.env.BENCH_HOST_LAYERS || '').split(',').filter(Boolean);
  for (const name of names) if (!LAYERS[name]) throw new Error(`unknown layer ${name}`);
  const needsDatabase = names.includes('api-key') || names.includes('audit');
  const db = needsDatabase ? await databaseModule() : null;
  const parts = names.map((name) => LAYERS[name]());
  class LayerHostModule {}
  Module({
    imports: [...(db ? [db.HostDatabaseModule] : []), ...parts.flatMap((p) => p.imports || [])],
    controllers: [demoController(names.includes('api-key'))],
    providers: parts.flatMap((p) => p.providers || []),
  })(LayerHostModule);
  const app = await NestFactory.create(LayerHostModule, hostAdapter(), { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  if (names.includes('api-key')) await issueKey(app, db.dataSource);
  process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  CanActivate,
  ExecutionContext,
  Global,
  INestApplication,
  Injectable,
  Module,
  ModuleMetadata,
  Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { openDataSource } from '../../src/database/database-connection';
import type { Principal, UserPrincipal } from '../../src/security/authorization/principal';
import type { Role } from '../../src/users/user.entity';
import { UNAUTHENTICATED_PROBLEM } from './problems';
import { uniqueEmail } from './sign-in';
import { FastifyOptions, readyToServe, testHttpAdapter } from './http-adapter';
import { createTestDatabase } from './test-database';

/**
 * A minimal host app for one security layer alone (test/layers): the layer's module, a tiny demo
 * controller, and none of the app's own modules. Layers that keep state get what any TypeORM app has, a
 * global `DataSource`, here on a fresh database (embedded PGlite, or a new database on the
 * server at DATABASE_URL) with the project's migrations applied.
 */
export interface LayerApp {
  app: INestApplication;
  server: Server;
  /** Set when started with `{ database: true }`. */
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function startLayerApp(
  metadata: ModuleMetadata,
  options: { database?: boolean; fastify?: FastifyOptions } = {},
): Promise<LayerApp> {
  const database = options.database ? await createTestDatabase() : undefined;
  const dataSource = database
    ? await openDataSource({
        url: database.url,
        pgliteDataDir: 'memory://',
        runMigrations: true,
        migrationLockTimeoutMs: 60000,
        statementTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        poolSize: database.url ? 4 : 1,
      })
    : undefined;

  @Global()
  @Module({
    providers: dataSource ? [{ provide: DataSource, useValue: dataSource }] : [],
    exports: dataSource ? [DataSource] : [],
  })
  class HostDatabaseModule {}

  @Module({ ...metadata, imports: [HostDatabaseModule, ...(metadata.imports ?? [])] })
  class LayerHostModule {}

  let app: INestApplication;
  try {
    // On HTTP_ADAPTER (Fastify by default): every layer runs on both adapters.
    app = await NestFactory.create(LayerHostModule, testHttpAdapter(options.fastify), {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    await readyToServe(app);
  } catch (error) {
    // A host that refuses to start (the "bad options" tests) leaves no database behind.
    await dataSource?.destroy();
    await database?.drop();
    throw error;
  }
  return {
    app,
    server: app.getHttpServer() as Server,
    dataSource: dataSource as DataSource,
    async close() {
      await app.close();
      await dataSource?.destroy();
      await database?.drop();
    },
  };
}

export { UNAUTHENTICATED_PROBLEM };

/** The header a host stand-in authentication reads (see `hostAuthenticationGuard`). */
export const HOST_USER_HEADER = 'X-Host-User';

/**
 * A host's own authentication, stood in for, for layers that read `request.user` but do not
 * authenticate (throttling, the layers' endpoints): `X-Host-User: <value>` makes the caller
 * whoever `resolve(value)` says; no header leaves the request anonymous. It authorizes nothing.
 */
export function hostAuthenticationGuard(
  resolve: (value: string) => Principal | undefined,
): Type<CanActivate> {
  @Injectable()
  class HostAuthenticationGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      const req = context
        .switchToHttp()
        .getRequest<{ headers: Record<string, string | undefined>; user?: Principal }>();
      const value = req.headers[HOST_USER_HEADER.toLowerCase()];
      if (value) req.user = resolve(value);
      return true;
    }
  }
  return HostAuthenticationGuard;
}

export interface UserRow {
  id: string;
  role: Role;
}

/** A user as any app would have it: a row in `users` (layer tests never check the hash). */
export async function insertUser(host: LayerApp, role: Role): Promise<UserRow> {
  const rows = await host.dataSource.query<UserRow[]>(
    `INSERT INTO users (email, password_hash, role) VALUES ($1, 'not-a-real-hash', $2)
     RETURNING id, role`,
    [uniqueEmail(role), role],
  );
  return rows[0];
}

/** That user as the principal of a signed-in session would look. */
export function principalOf(user: UserRow): UserPrincipal {
  return {
    kind: 'user',
    userId: user.id,
    role: user.role,
    sessionId: randomUUID(),
    tokenId: randomUUID(),
  };
}

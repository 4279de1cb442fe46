import type { ClientBase } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/app-config';
import { ENTITIES, MIGRATIONS } from './schema';

/**
 * The one DataSource definition, shared by the Nest app and the TypeORM CLI.
 * `url` is the server's, or the embedded server's loopback URL.
 */
export function buildDataSourceOptions(
  db: DatabaseConfig,
  url: string,
  embedded: boolean,
  onConnect?: (client: ClientBase) => Promise<void>,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    // Never synchronize: every schema change is a reviewed migration.
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() comes from pgcrypto, which PGlite ships as a loadable extension.
    uuidExtension: 'pgcrypto',
    // PGlite executes one query at a time, so the pool is one connection.
    poolSize: embedded ? 1 : db.poolSize,
    connectTimeoutMS: db.connectTimeoutMs,
    extra: {
      // Sent in the startup packet: a runaway query is cancelled by the server itself.
      statement_timeout: db.statementTimeoutMs,
      idle_in_transaction_session_timeout: db.statementTimeoutMs * 2,
      application_name: 'weather-api',
      // pg-pool awaits it before a new connection is first used (the auth change feed LISTENs).
      onConnect,
    },
    logging: false,
  };
}

import { loadConfig } from '../config/load-config';
import { buildDataSourceOptions } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';
import { ManagedDataSource } from './database-connection';

/**
 * Entry point for the TypeORM CLI (`npm run migration:*`): the same options the app uses,
 * on the same database the app would open. The CLI calls destroy(), which also stops PGlite.
 */
async function createCliDataSource(): Promise<ManagedDataSource> {
  const { database } = loadConfig(process.env);
  const embedded =
    database.url === undefined ? await EmbeddedPostgres.start(database.pgliteDataDir) : undefined;
  return new ManagedDataSource(
    buildDataSourceOptions(
      database,
      embedded?.url ?? (database.url as string),
      embedded !== undefined,
    ),
    embedded,
  );
}

export const dataSource = createCliDataSource();

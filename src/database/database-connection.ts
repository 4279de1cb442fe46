import type { ClientBase } from 'pg';
import { DataSource, Migration } from 'typeorm';
import { StartupError, redactUrl } from '../common/startup-error';
import { DatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { EmbeddedPostgres } from './embedded-postgres';
import { runMigrationsExclusively } from './migration-lock';

/**
 * Opens the database the configuration asks for: the PostgreSQL server at DATABASE_URL, or
 * embedded PGlite when it is unset. Fails within the connect timeout with a clear message,
 * rather than letting a retry loop hang the start.
 */
export async function openDataSource(
  db: DatabaseConfig,
  onConnect?: (client: ClientBase) => Promise<void>,
): Promise<DataSource> {
  let embedded: EmbeddedPostgres | undefined;
  try {
    if (db.url === undefined) embedded = await EmbeddedPostgres.start(db.pgliteDataDir);
  } catch (error) {
    throw new DatabaseUnavailableError(db, error);
  }
  const dataSource = new ManagedDataSource(
    buildDataSourceOptions(
      db,
      embedded?.url ?? (db.url as string),
      embedded !== undefined,
      onConnect,
    ),
    embedded,
  );
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop();
    throw new DatabaseUnavailableError(db, error);
  }
  if (db.runMigrations) await migrate(dataSource, db);
  return dataSource;
}

/**
 * Applies pending migrations. Several replicas may start at once on a server, so they take turns
 * under an advisory lock (free at once on embedded PGlite, which one process owns).
 */
export async function migrate(dataSource: DataSource, db: DatabaseConfig): Promise<Migration[]> {
  return runMigrationsExclusively(dataSource, db.migrationLockTimeoutMs);
}

/**
 * A DataSource that also stops the embedded server it runs on when it is destroyed: the pool's
 * connections close first, then the embedded database flushes its files and its thread ends.
 */
export class ManagedDataSource extends DataSource {
  constructor(
    options: ConstructorParameters<typeof DataSource>[0],
    private readonly embedded?: EmbeddedPostgres,
  ) {
    super(options);
  }

  /** Called if the embedded database's thread dies (never for a server: it can come back). */
  onEmbeddedLost(listener: (reason: Error) => void): void {
    this.embedded?.onLost(listener);
  }

  override async destroy(): Promise<void> {
    if (this.isInitialized) await super.destroy();
    await this.embedded?.stop();
  }
}

export class DatabaseUnavailableError extends StartupError {
  constructor(db: DatabaseConfig, cause: unknown) {
    const target =
      db.url === undefined
        ? `PGLITE_DATA_DIR: embedded database at ${db.pgliteDataDir}`
        : `DATABASE_URL: ${redactUrl(db.url, 'DATABASE_URL')}`;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`database unavailable (${target}): ${reason}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

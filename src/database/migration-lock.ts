import { DataSource, Migration, MigrationExecutor, QueryRunner } from 'typeorm';

/**
 * The advisory-lock key for "this database's schema is being migrated". TypeORM takes no lock
 * of its own (typeorm#4588), so replicas that start together would each apply the same migration.
 */
export const MIGRATION_LOCK_KEY = '7309562111004201';

const POLL_MS = 250;

/**
 * Applies pending migrations while holding a session-level advisory lock, on one connection that
 * both holds the lock and runs the migrations (so a pool of one, or a database that serves one
 * connection, is enough). The first instance migrates; the others wait for the lock, at most
 * `timeoutMs`, then find nothing pending.
 */
export async function runMigrationsExclusively(
  dataSource: DataSource,
  timeoutMs: number,
): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await acquire(runner, timeoutMs);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

async function acquire(runner: QueryRunner, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // pg_try_advisory_lock polled rather than pg_advisory_lock, so the wait has a deadline that
  // statement_timeout (which the server may set low) does not decide.
  for (;;) {
    const rows = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_KEY,
    ])) as Array<{ locked: boolean }>;
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new MigrationLockTimeoutError(timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export class MigrationLockTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(
      `another instance held the migration lock for more than ${timeoutMs} ms ` +
        '(DATABASE_MIGRATION_LOCK_TIMEOUT_MS); is a migration stuck?',
    );
    this.name = 'MigrationLockTimeoutError';
  }
}

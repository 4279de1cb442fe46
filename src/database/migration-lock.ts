import { Client } from 'pg';
import { DataSource, Migration } from 'typeorm';

/**
 * One advisory-lock key for "this database's schema is being migrated". TypeORM takes no lock of
 * its own (typeorm#4588), so replicas that start together would each apply the same migration.
 */
export const MIGRATION_LOCK_KEY = 7_309_562_111_004_201n;

const POLL_MS = 250;

/**
 * Applies pending migrations while holding a session-level advisory lock on a connection of its
 * own. The first instance migrates; the others wait for the lock, then find nothing pending. The
 * lock connection is separate from the pool, so a pool of one still has its connection free for
 * the migrations themselves. The wait is bounded: a stuck migrator fails the start clearly.
 */
export async function runMigrationsUnderLock(
  dataSource: DataSource,
  url: string,
  timeoutMs: number,
): Promise<Migration[]> {
  const lock = new Client({ connectionString: url, application_name: 'weather-api:migrate' });
  await lock.connect();
  try {
    await acquire(lock, timeoutMs);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    // Ending the session releases the lock even if the unlock above could not be sent.
    await lock.end().catch(() => undefined);
  }
}

async function acquire(lock: Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // pg_try_advisory_lock polled rather than pg_advisory_lock, so the wait has a deadline that
  // statement_timeout (which the server may set low) does not decide.
  for (;;) {
    const { rows } = await lock.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [MIGRATION_LOCK_KEY.toString()],
    );
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      throw new MigrationLockTimeoutError(timeoutMs);
    }
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

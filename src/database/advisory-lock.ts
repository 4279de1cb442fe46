import { Client } from 'pg';

/**
 * Advisory-lock keys for the work that replicas starting together must take turns at. TypeORM
 * takes no lock of its own (typeorm#4588).
 */
export const LOCK_KEYS = {
  migrations: 7_309_562_111_004_201n,
  firstStart: 7_309_562_111_004_202n,
} as const;

const POLL_MS = 250;

/**
 * Runs `work` while this process holds a session-level advisory lock on a connection of its
 * own; the others wait for it (at most `timeoutMs`, then fail clearly). The lock connection is
 * not from the pool, so a pool of one still has its connection free for `work`. Embedded PGlite
 * (no `url`) belongs to one process: no lock is needed.
 */
export async function withAdvisoryLock<T>(
  url: string | undefined,
  key: bigint,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  if (url === undefined) return work();
  const lock = new Client({ connectionString: url, application_name: 'weather-api:lock' });
  await lock.connect();
  try {
    await acquire(lock, key, timeoutMs);
    try {
      return await work();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [key.toString()]);
    }
  } finally {
    // Ending the session releases the lock even if the unlock above could not be sent.
    await lock.end().catch(() => undefined);
  }
}

async function acquire(lock: Client, key: bigint, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // pg_try_advisory_lock polled rather than pg_advisory_lock, so the wait has a deadline that
  // statement_timeout (which the server may set low) does not decide.
  for (;;) {
    const { rows } = await lock.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1) AS locked',
      [key.toString()],
    );
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) throw new AdvisoryLockTimeoutError(timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export class AdvisoryLockTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(
      `another instance held the start-up lock for more than ${timeoutMs} ms ` +
        '(DATABASE_MIGRATION_LOCK_TIMEOUT_MS); is a migration stuck?',
    );
    this.name = 'AdvisoryLockTimeoutError';
  }
}

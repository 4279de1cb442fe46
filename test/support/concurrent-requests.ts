import type { Response } from 'supertest';
import { InFlightRequests } from '../../src/common/http/in-flight-requests';
import type { TestApp } from './test-app';
import { waitFor } from './wait';

/**
 * Real concurrent requests that are sure to overlap: a transaction of the test holds `lockSql`
 * (a SELECT ... FOR UPDATE on the rows the requests will write) while the requests are sent,
 * and is released only once all of them are in flight, and on a server database, once all of
 * them wait on that lock. On embedded PGlite (one connection, held by the test) they queue for
 * the connection instead. Without the gate a busy machine may serve them one after another
 * and a race test would prove nothing. The waits are bounded; after them the gate opens anyway
 * and the assertions decide.
 */
export async function sendTogether(
  t: TestApp,
  lock: { sql: string; params: unknown[] },
  requests: Array<() => PromiseLike<Response>>,
  timeoutMs = 20_000,
): Promise<Response[]> {
  const runner = t.dataSource.createQueryRunner();
  await runner.connect();
  let all: Promise<Response[]> | undefined;
  try {
    await runner.startTransaction();
    await runner.query(lock.sql, lock.params);
    all = Promise.all(requests.map((send) => Promise.resolve(send())));
    const inFlight = t.app.get(InFlightRequests);
    await waitFor('all requests in flight', () => inFlight.current >= requests.length, {
      timeoutMs,
      intervalMs: 25,
      onTimeout: 'return',
    });
    if (t.config.database.url !== undefined) {
      await waitFor(
        'all requests waiting on the lock',
        async () => {
          const rows: { n: number }[] = await runner.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          return rows[0].n >= requests.length;
          // Release before the server's statement timeout (5 s) cancels the waiters: past that
          // the requests still overlap, and the outcome must be right however they interleave.
        },
        { timeoutMs: Math.min(timeoutMs, 3_000), intervalMs: 25, onTimeout: 'return' },
      );
    }
  } finally {
    if (runner.isTransactionActive) await runner.commitTransaction();
    await runner.release();
  }
  return all;
}

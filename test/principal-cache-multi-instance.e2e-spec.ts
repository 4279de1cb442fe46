import request from 'supertest';
import { AuthChangeFeed } from '../src/database/auth-changes/auth-change-feed';
import { createKey } from './support/api-keys';
import { AUTH_TABLES, cacheOf, queriesDuring, readStation } from './support/principal-cache';
import { logout, signedInUser } from './support/sign-in';
import { createStation } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';
import type { Headers } from './support/http';
import { waitFor } from './support/wait';

// Two app instances need one shared database: a PostgreSQL server. Embedded PGlite belongs to
// one process (there the pool's own connection carries every change: principal-cache.e2e-spec).
const onServer = process.env.DATABASE_URL ? describe : describe.skip;

/** How soon a revocation on A must be refused on B (LISTEN/NOTIFY takes a few ms). */
const PROPAGATION_BOUND_MS = 100;

const title = process.env.DATABASE_URL
  ? 'principal cache with two app instances on one PostgreSQL (e2e)'
  : 'principal cache with two app instances (e2e): skipped, DATABASE_URL is unset (two instances need one PostgreSQL server)';

onServer(title, () => {
  let a: TestApp;
  let b: TestApp;
  let stationId: string;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ DATABASE_URL: a.config.database.url });
    stationId = (await createStation(a)).id;
    await waitFor('B subscribed', () => cacheOf(b).isLive, { timeoutMs: 5000, intervalMs: 10 });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  /** B answers from its cache: two reads, the second with no query to the auth tables. */
  async function warmOnB(headers: Headers): Promise<void> {
    expect((await readStation(b, stationId, headers)).status).toBe(200);
    const queries = await queriesDuring(b.dataSource, async () => {
      expect((await readStation(b, stationId, headers)).status).toBe(200);
    });
    expect(queries.filter((sql) => sql.startsWith('SELECT') && AUTH_TABLES.test(sql))).toEqual([]);
  }

  /**
   * Milliseconds from now until B's cache drops an entry (the change reached B), bounded.
   * Measured on B's cache, not by timing B's HTTP answers: on a loaded machine one request can
   * take longer than the bound by itself, and that is not what the bound is about.
   */
  async function msUntilDroppedOnB(invalidationsBefore: number): Promise<number> {
    const started = performance.now();
    await waitFor(
      'the change reaches B',
      () => cacheOf(b).stats().invalidations > invalidationsBefore,
      {
        timeoutMs: 2000,
        intervalMs: 1,
      },
    );
    return performance.now() - started;
  }

  /** A change made on A: reaches B within the bound, and B refuses `headers` at once. */
  async function refusedOnB(headers: Headers, change: () => Promise<number>): Promise<void> {
    const before = cacheOf(b).stats().invalidations;
    expect(await change()).toBe(204);
    expect(await msUntilDroppedOnB(before)).toBeLessThanOrEqual(PROPAGATION_BOUND_MS);
    expect((await readStation(b, stationId, headers)).status).toBe(401);
  }

  it(`a logout on A is refused on B within ${PROPAGATION_BOUND_MS} ms`, async () => {
    const viewer = await signedInUser(a, 'viewer');
    await warmOnB(viewer.auth);
    await refusedOnB(viewer.auth, async () => (await logout(a, viewer.auth)).status);
  });

  it(`a key revoked on A is refused on B within ${PROPAGATION_BOUND_MS} ms`, async () => {
    const operator = await signedInUser(a, 'operator');
    const key = await createKey(a, operator.auth, { scopes: ['stations:read'] });
    await warmOnB(key.auth);
    await refusedOnB(
      key.auth,
      async () =>
        (await request(a.server).delete(`/v1/api-keys/${key.id}`).set(operator.auth)).status,
    );
  });

  it('with its channel cut, B reads the database (refusing at once), and caches again when it returns', async () => {
    const viewer = await signedInUser(a, 'viewer');
    await warmOnB(viewer.auth);
    const database = new URL(a.config.database.url!).pathname.slice(1);
    // Cut B's listener and keep it from reconnecting (connections already open stay).
    await a.dataSource.query(`ALTER DATABASE ${database} WITH CONNECTION LIMIT 0`);
    try {
      const pid = b.app.get(AuthChangeFeed).listenerProcessId;
      expect(pid).toEqual(expect.any(Number));
      await a.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor('B notices its channel is down', () => !cacheOf(b).isLive, {
        timeoutMs: 2000,
        intervalMs: 10,
      });

      // Down: every authentication reads the database, so nothing stale can be served.
      const bypassed = cacheOf(b).stats().bypassed;
      const down = await queriesDuring(b.dataSource, async () => {
        expect((await readStation(b, stationId, viewer.auth)).status).toBe(200);
      });
      expect(down.filter((sql) => AUTH_TABLES.test(sql))).toHaveLength(1);
      expect(cacheOf(b).stats()).toMatchObject({ entries: 0, live: false });
      expect(cacheOf(b).stats().bypassed).toBeGreaterThan(bypassed);
      // A revocation on A, which B cannot hear of: refused on B's very next request.
      expect((await logout(a, viewer.auth)).status).toBe(204);
      expect((await readStation(b, stationId, viewer.auth)).status).toBe(401);
    } finally {
      await a.dataSource.query(`ALTER DATABASE ${database} WITH CONNECTION LIMIT -1`);
    }

    // Back: B resubscribes (flushing what it had), then answers warm requests from memory.
    await waitFor('B resubscribes', () => cacheOf(b).isLive, { timeoutMs: 10_000, intervalMs: 10 });
    const other = await signedInUser(a, 'viewer');
    await warmOnB(other.auth);
    await refusedOnB(other.auth, async () => (await logout(a, other.auth)).status);
  });
});

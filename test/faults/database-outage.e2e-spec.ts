import request from 'supertest';
import { TcpProxy } from '../support/outages';
import { expectUnavailable } from '../support/problems';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { createTestDatabase } from '../support/test-database';
import { isDatabaseUnavailable } from '../../src/common/problem-details/service-unavailable';

/**
 * The database going away under a running app: a TCP proxy between the app and its database
 * (embedded PGlite served on a loopback port, or the PostgreSQL server with DATABASE_URL) that
 * the test cuts and restores. Clients get 503 + Retry-After, never 500; the app recovers alone.
 */
let proxy: TcpProxy;
let t: TestApp;
let embedded: EmbeddedPostgres | undefined;
let dropDatabase: () => Promise<void> = () => Promise.resolve();

beforeAll(async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  let target: URL;
  if (database.url) {
    target = new URL(database.url);
  } else {
    embedded = await EmbeddedPostgres.start('memory://');
    target = new URL(embedded.url);
  }
  proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(target);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  t = await startTestApp({
    DATABASE_URL: viaProxy.toString(),
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_STATEMENT_TIMEOUT_MS: '1000',
    // Given a DATABASE_URL the app opens a dedicated auth-change listener besides its pool.
    // PGlite serves one connection: if the listener reconnects first after the restore, it holds
    // that connection for good and the pool never gets back in (seen with PGlite in its own
    // thread, where the two race for real). The server has no such limit.
    // And, like the app's own embedded setup, one pooled connection: given a URL the pool would
    // open up to DATABASE_POOL_SIZE, and pglite-socket refuses the second ("Too many
    // connections") whenever a background job (the audit sealer) queries beside a request.
    ...(embedded ? { AUTH_CACHE_MAX_ENTRIES: '0', DATABASE_POOL_SIZE: '1' } : {}),
  });
});
afterAll(async () => {
  proxy?.restore();
  await t?.app.close();
  await proxy?.close();
  await embedded?.stop();
  await dropDatabase();
});

const countStations = async (): Promise<number> =>
  (await t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM stations'))[0].n;

it('database cut: reads and writes 503 + Retry-After (no 500), readiness 503, liveness 200; then recovers', async () => {
  expect((await request(t.server).get('/v1/stations').set(t.auth)).status).toBe(200);
  const station = await request(t.server)
    .post('/v1/stations')
    .set(t.auth)
    .send(stationBody({ code: 'DB_HOT' }));
  expect(station.status).toBe(201);
  const before = await countStations();

  proxy.cut();
  expectUnavailable(await request(t.server).get('/v1/stations').set(t.auth));
  // The hot reads run as prepared statements on the pg driver, past TypeORM: the same 503.
  const hot = `/v1/stations/${station.body.id as string}`;
  expectUnavailable(await request(t.server).get(hot).set(t.auth));
  expectUnavailable(await request(t.server).get(`${hot}/observations`).set(t.auth));
  expectUnavailable(
    await request(t.server)
      .post('/v1/stations')
      .set(t.auth)
      .send(stationBody({ code: 'DB_DOWN' })),
  );
  expect((await request(t.server).get('/health/ready')).status).toBe(503);
  expect((await request(t.server).get('/health/live')).status).toBe(200);

  proxy.restore();
  await waitFor(
    'the app to reach the database again',
    async () => (await request(t.server).get('/v1/stations').set(t.auth)).status === 200,
  );
  // The refused write did not happen; a new one does.
  expect(await countStations()).toBe(before);
  const created = await request(t.server)
    .post('/v1/stations')
    .set(t.auth)
    .send(stationBody({ code: 'DB_BACK' }));
  expect(created.status).toBe(201);
});

// PGlite (WebAssembly, one thread) does not enforce statement_timeout; the server does.
const itOnServer = process.env.DATABASE_URL ? it : it.skip;

itOnServer(
  'a statement timeout (SQLSTATE 57014) is classed as unavailable (503), not 500',
  async () => {
    // The server cancels a statement past DATABASE_STATEMENT_TIMEOUT_MS with SQLSTATE 57014.
    const error = await t.dataSource
      .query('SELECT pg_sleep(5)')
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect((error as { driverError?: { code?: string } }).driverError?.code).toBe('57014');
    expect(isDatabaseUnavailable(error)).toBe(true);
  },
);

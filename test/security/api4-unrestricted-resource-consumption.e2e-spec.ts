import request from 'supertest';
import type { Response } from 'supertest';
import { CreatedKey, apiKeyHeader, createKey, postKey } from '../support/api-keys';
import { deeplyNestedJson } from '../support/attacks';
import { countRows, expectUnchangedBy } from '../support/database';
import { Headers, expectStatus } from '../support/http';
import { observationBody, timeSeries } from '../support/observations';
import { expectProblem } from '../support/problems';
import { SignedInUser, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { OwnedStation, createStation, stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API4:2023 Unrestricted Resource Consumption: one request that costs the server far more
 * than it costs the attacker (huge or deeply nested bodies, 1001-row pages, 10-year ranges,
 * 501-row batches, megabyte strings), and many cheap requests (floods), with or without a
 * credential. Defences: the 100 kB body limit (src/app.setup.ts), bounds on every DTO field and
 * range (src/security/validation), rate limits per IP before authentication and per identity
 * after it (src/security/throttling), and the database's statement timeout.
 */

const YEAR_MS = 365 * 86_400_000;
const HOUR_MS = 3_600_000;

let t: TestApp;
let operator: SignedInUser;
let station: OwnedStation;
let slowKey: Headers;
let otherKey: CreatedKey;

beforeAll(async () => {
  t = await startTestApp();
  operator = await signedInUser(t, 'operator');
  station = await createStation(t, {}, operator.auth);
  // 150 hourly observations within the last week, so an unbounded read would return them all.
  const times = timeSeries(new Date(Date.now() - 151 * HOUR_MS), 150, HOUR_MS);
  await request(t.server)
    .post(`/v1/stations/${station.id}/observations`)
    .set(operator.auth)
    .send(times.map((time, i) => observationBody(time, { temperatureC: i % 40 })))
    .expect(201);
  // A key whose owner gave it its own limit of three requests a minute.
  const created = await postKey(t, operator.auth, {
    name: 'three a minute',
    scopes: ['stations:read'],
    rateLimitPerMinute: 3,
  }).expect(201);
  slowKey = apiKeyHeader((created.body as { key: string }).key);
  otherKey = await createKey(t, operator.auth, { scopes: ['stations:read'] });
});
afterAll(() => t.close());

describe('API4 one expensive request (e2e)', () => {
  const big = 'x'.repeat(200_000);

  it.each<[string, () => request.Test]>([
    [
      'an anonymous 200 kB login',
      () => request(t.server).post('/v1/auth/login').send({ email: 'a@b.example', password: big }),
    ],
    [
      'an anonymous 200 kB registration',
      () =>
        request(t.server)
          .post('/v1/auth/register')
          .send({ email: uniqueEmail('big'), password: big }),
    ],
    [
      'a 200 kB station',
      () =>
        request(t.server)
          .post('/v1/stations')
          .set(operator.auth)
          .send(stationBody({ name: big })),
    ],
    [
      'a 200 kB batch of observations',
      () =>
        request(t.server)
          .post(`/v1/stations/${station.id}/observations`)
          .set(operator.auth)
          .send(
            Array.from({ length: 500 }, (_, i) =>
              observationBody(new Date(Date.now() - (i + 200) * HOUR_MS), {
                temperatureC: 1.12345678901234,
                relativeHumidity: 50.1234567890123,
                pressureHpa: 1000.12345678901,
                windSpeedMs: 1.12345678901234,
                windDirectionDeg: 1.12345678901234,
                precipitationMm: 1.12345678901234,
              }),
            ),
          ),
    ],
  ])('%s -> 413 before any parsing or hashing; nothing written', async (_label, send) => {
    const res = await expectUnchangedBy(t, () => send());
    expect(expectProblem(res, 413).detail).toBe('The request body exceeds the size limit.');
  });

  it('a 90 kB body of 45,000 nested arrays is refused, changes nothing, and the server keeps serving', async () => {
    const body = deeplyNestedJson(45_000, { email: 'a@b.example', password: newPassword() });
    expect(body.length).toBeLessThan(100_000);
    const started = Date.now();
    const res = await expectUnchangedBy(t, () =>
      request(t.server).post('/v1/auth/login').set('Content-Type', 'application/json').send(body),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expectProblem(res, res.status);
    expect(Date.now() - started).toBeLessThan(5_000);
    await request(t.server).get('/health/live').expect(200);
  });

  // KNOWN BUG (reported, not fixed here): class-transformer's plainToInstance recurses into
  // unknown nested values, so about 1,300 levels of `[` (a body under 3 kB) throw "Maximum call
  // stack size exceeded" inside the ValidationPipe and the caller gets a 500 (anonymously too, on
  // /v1/auth/login) instead of a 400. Flip to it() once bodies have a depth limit.
  it('a deeply nested body is a 400, not a 500', async () => {
    const body = deeplyNestedJson(45_000, { email: 'a@b.example', password: newPassword() });
    const res = await request(t.server)
      .post('/v1/auth/login')
      .set('Content-Type', 'application/json')
      .send(body);
    expectProblem(res, 400);
  });

  it.each<[string, () => string]>([
    ['1001 observations in one page', () => `/v1/stations/${station.id}/observations?limit=1001`],
    ['101 stations in one page', () => '/v1/stations?limit=101'],
    ['a station page 10,001 rows deep', () => '/v1/stations?offset=10001'],
    [
      'ten years of observations',
      () =>
        `/v1/stations/${station.id}/observations?from=${new Date(Date.now() - 10 * YEAR_MS).toISOString()}&to=${new Date().toISOString()}`,
    ],
    [
      '32 days of observations (one over the cap)',
      () =>
        `/v1/stations/${station.id}/observations?from=2026-01-01T00:00:00Z&to=2026-02-02T00:00:00Z`,
    ],
    [
      'ten years of daily summaries',
      () => `/v1/stations/${station.id}/daily?from=2016-01-01&to=2025-12-31`,
    ],
    ['a limit that is not a number', () => `/v1/stations/${station.id}/observations?limit=1e9`],
    ['two limits (parameter pollution)', () => '/v1/stations?limit=5&limit=100000'],
  ])('%s -> 400; no query is run', async (_label, path) => {
    const res = await request(t.server).get(path()).set(operator.auth);
    expectProblem(res, 400);
  });

  it.each<[string, () => string]>([
    ['501 audit records in one page', () => '/v1/audit-logs?limit=501'],
    ['101 alerts in one page', () => '/v1/security/alerts?limit=101'],
    [
      'ten years of usage',
      () =>
        `/v1/usage/top-endpoints?from=${new Date(Date.now() - 10 * YEAR_MS).toISOString()}&to=${new Date().toISOString()}`,
    ],
    ['101 usage rows', () => '/v1/usage/top-endpoints?limit=101'],
  ])('admin reads are bounded too: %s -> 400', async (_label, path) => {
    expectProblem(await request(t.server).get(path()).set(t.auth), 400);
  });

  it('a batch of 501 observations -> 400, none of it written', async () => {
    const times = timeSeries(new Date(Date.now() - 2 * YEAR_MS), 501, 60_000);
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .post(`/v1/stations/${station.id}/observations`)
        .set(operator.auth)
        .send(times.map((time) => observationBody(time))),
    );
    expectProblem(res, 400);
  });

  it.each<[string, () => request.Test]>([
    [
      'a 101-character station name',
      () =>
        request(t.server)
          .post('/v1/stations')
          .set(operator.auth)
          .send(stationBody({ name: 'n'.repeat(101) })),
    ],
    [
      'a 101-character key name',
      () =>
        request(t.server)
          .post('/v1/api-keys')
          .set(operator.auth)
          .send({ name: 'k'.repeat(101), scopes: ['stations:read'] }),
    ],
    [
      'a 255-character email',
      () =>
        request(t.server)
          .post('/v1/auth/register')
          .send({ email: `${'e'.repeat(243)}@test.example`, password: newPassword() }),
    ],
    [
      'a 129-character password (argon2 work is bounded by the length cap)',
      () =>
        request(t.server)
          .post('/v1/auth/login')
          .send({ email: operator.email, password: 'p'.repeat(129) }),
    ],
    [
      'a 201-character refresh token',
      () =>
        request(t.server)
          .post('/v1/auth/refresh')
          .send({ refreshToken: 'r'.repeat(201) }),
    ],
  ])('%s -> 400; nothing changed', async (_label, send) => {
    expectProblem(await expectUnchangedBy(t, () => send()), 400);
  });

  it('a read without parameters is bounded by default: 24 hours, 100 rows, then a cursor', async () => {
    expect(await countRows(t, 'observations', station.id)).toBe(150);
    const res = await request(t.server)
      .get(`/v1/stations/${station.id}/observations`)
      .set(operator.auth)
      .expect(200);
    const page = res.body as { data: unknown[]; nextCursor: string | null };
    expect(page.data.length).toBeLessThanOrEqual(24);

    const week = await request(t.server)
      .get(`/v1/stations/${station.id}/observations`)
      .query({ from: new Date(Date.now() - 8 * 24 * HOUR_MS).toISOString() })
      .set(operator.auth)
      .expect(200);
    const weekPage = week.body as { data: unknown[]; nextCursor: string | null };
    expect(weekPage.data).toHaveLength(100);
    expect(weekPage.nextCursor).toEqual(expect.any(String));
  });

  it('the database cancels a runaway statement: the timeout is part of every connection', async () => {
    const options = t.dataSource.options as { extra?: { statement_timeout?: number } };
    expect(options.extra?.statement_timeout).toBe(t.config.database.statementTimeoutMs);
    expect(t.config.database.statementTimeoutMs).toBeLessThanOrEqual(5_000);
    // PGlite ignores start-up parameters; on a PostgreSQL server (CI) the server enforces it.
    // test/lifecycle.e2e-spec.ts proves the cancellation (SQLSTATE 57014) there.
    if (process.env.DATABASE_URL) {
      // pg_settings gives the value in its unit (ms); SHOW would print 5000ms as "5s".
      const [row] = await t.dataSource.query<Array<{ setting: string; unit: string }>>(
        "SELECT setting, unit FROM pg_settings WHERE name = 'statement_timeout'",
      );
      expect(row).toEqual({ setting: String(t.config.database.statementTimeoutMs), unit: 'ms' });
    }
  });
});

describe('API4 many cheap requests (e2e)', () => {
  function expectThrottled(res: Response): void {
    expectProblem(res, 429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }

  it('a key over its own limit gets 429 with Retry-After; another key of the same owner is unaffected', async () => {
    for (let i = 0; i < 3; i += 1) {
      expectStatus(await request(t.server).get('/v1/stations').set(slowKey), 200);
    }
    const res = await expectUnchangedBy(t, () =>
      request(t.server).get('/v1/stations').set(slowKey),
    );
    expectThrottled(res);
    expect(res.headers['x-ratelimit-remaining-identity']).toBe('0');
    expectStatus(await request(t.server).get('/v1/stations').set(otherKey.auth), 200);
  });

  it('anonymous floods are counted per IP before authentication: 401s, then 429 everywhere', async () => {
    const tight = await startTestApp({ RATE_LIMIT_IP_PER_MINUTE: '8' });
    try {
      const first = await request(tight.server).get('/v1/stations');
      expect(first.status).toBe(401);
      const remaining = Number(first.headers['x-ratelimit-remaining-ip']);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThan(8);
      for (let i = 0; i < remaining; i += 1) {
        expect((await request(tight.server).get('/v1/stations')).status).toBe(401);
      }
      const before = await tight.dataSource.query('SELECT count(*)::int AS n FROM users');
      for (const res of [
        await request(tight.server).get('/v1/stations'),
        await request(tight.server)
          .post('/v1/auth/login')
          .send({ email: 'a@b.example', password: newPassword() }),
        await request(tight.server).get('/health/live'),
        await request(tight.server).get('/v1/stations').set(tight.auth),
      ]) {
        expectThrottled(res);
      }
      expect(await tight.dataSource.query('SELECT count(*)::int AS n FROM users')).toEqual(before);
    } finally {
      await tight.close();
    }
  });
});

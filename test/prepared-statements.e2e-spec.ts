import { countRows } from './support/database';
import { v1 } from './support/http';
import { ingest, observationBody } from './support/observations';
import { createStation } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

/** The hot paths' named statements (src/weather): each is parsed once per connection. */
const HOT_STATEMENTS = [
  'daily_summary',
  'observations_insert',
  'observations_latest',
  'observations_range',
  'observations_range_after',
  'station_by_id',
];

describe('hot paths on prepared statements (e2e)', () => {
  let t: TestApp;
  let stationId: string;
  const hour = (n: number): Date => new Date(Date.UTC(2026, 10, 20, n));

  beforeAll(async () => {
    // One pooled connection, so the session the check below reads is the one requests used
    // (pg_prepared_statements is per session). Embedded PGlite always has one.
    t = await startTestApp({ DATABASE_POOL_SIZE: '1' });
    stationId = (await createStation(t)).id;
  });
  afterAll(() => t.close());

  it('runs every hot query as a named statement, on PGlite and on PostgreSQL', async () => {
    await ingest(t, stationId, observationBody(hour(1), { relativeHumidity: 80 }));
    await ingest(t, stationId, [observationBody(hour(2)), observationBody(hour(3))]);
    const range = { from: hour(0).toISOString(), to: hour(4).toISOString(), limit: 2 };
    const first = await v1(t).get(`/stations/${stationId}/observations`).query(range);
    expect(first.status).toBe(200);
    const next = await v1(t)
      .get(`/stations/${stationId}/observations`)
      .query({ ...range, cursor: first.body.nextCursor as string });
    expect(next.status).toBe(200);
    expect(
      [...first.body.data, ...next.body.data].map((o: { observedAt: string }) => o.observedAt),
    ).toEqual([hour(1), hour(2), hour(3)].map((d) => d.toISOString()));
    expect((await v1(t).get(`/stations/${stationId}/observations/latest`)).status).toBe(200);
    const daily = await v1(t)
      .get(`/stations/${stationId}/daily`)
      .query({ from: '2026-11-20', to: '2026-11-20' });
    expect(daily.status).toBe(200);

    const prepared = await t.dataSource.query<Array<{ name: string }>>(
      'SELECT name FROM pg_prepared_statements ORDER BY name',
    );
    expect(prepared.map((p) => p.name)).toEqual(expect.arrayContaining(HOT_STATEMENTS));
  });

  it('reads what the write stored, with nulls for the fields not sent', async () => {
    const res = await v1(t)
      .get(`/stations/${stationId}/observations`)
      .query({ from: hour(1).toISOString(), to: hour(2).toISOString() });
    expect(res.body.data).toEqual([
      {
        id: expect.any(String),
        stationId,
        observedAt: hour(1).toISOString(),
        temperatureC: 10,
        relativeHumidity: 80,
        pressureHpa: null,
        windSpeedMs: null,
        windDirectionDeg: null,
        precipitationMm: null,
      },
    ]);
  });

  it('the page query tells a station with nothing in the range (200) from none at all (404)', async () => {
    const range = { from: hour(10).toISOString(), to: hour(11).toISOString() };
    const empty = await v1(t).get(`/stations/${stationId}/observations`).query(range);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ data: [], nextCursor: null });
    const missing = await v1(t)
      .get('/stations/3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11/observations')
      .query(range);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('Station not found.');
  });

  it('a prepared write joins the audit transaction: no audit record, no observation', async () => {
    // Every audit insert fails, as a full disk or a broken audit table would.
    await t.dataSource.query(
      'ALTER TABLE audit_log ADD CONSTRAINT audit_refuses CHECK (false) NOT VALID',
    );
    const before = await countRows(t, 'observations');
    try {
      const res = await v1(t)
        .post(`/stations/${stationId}/observations`)
        .send([observationBody(hour(5)), observationBody(hour(6))]);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await countRows(t, 'observations')).toBe(before);
    } finally {
      await t.dataSource.query('ALTER TABLE audit_log DROP CONSTRAINT audit_refuses');
    }
    await ingest(t, stationId, observationBody(hour(5)));
    expect(await countRows(t, 'observations')).toBe(before + 1);
  });
});

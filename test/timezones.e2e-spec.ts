import { countRows } from './support/database';
import { v1 } from './support/http';
import { ingest, observationBody } from './support/observations';
import { expectProblem, expectValidationProblem } from './support/problems';
import { createStation, stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

/**
 * Station time zones are the names PostgreSQL knows (pg_timezone_names, loaded once at start)
 * and ICU knows. Node's ICU still knows a few names the database dropped; before, such a
 * station was stored and every /daily on it answered 500.
 */

/** Names ICU accepts and PostgreSQL 15 / PGlite do not know. */
const ICU_ONLY = ['US/Pacific-New', 'Canada/East-Saskatchewan'];

const icuKnows = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

describe('station time zones (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const databaseKnows = async (zone: string): Promise<boolean> => {
    const rows: { n: number }[] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM pg_timezone_names WHERE name = $1',
      [zone],
    );
    return rows[0].n > 0;
  };

  it.each(ICU_ONLY)('the premise: ICU knows %s, the database does not', async (zone) => {
    expect(icuKnows(zone)).toBe(true);
    expect(await databaseKnows(zone)).toBe(false);
  });

  it.each(ICU_ONLY)('POST /v1/stations with %s -> 400, nothing stored', async (zone) => {
    const before = await countRows(t, 'stations');
    const res = await v1(t)
      .post('/stations')
      .send(stationBody({ timezone: zone }));
    expect(expectValidationProblem(res)).toContain('timezone');
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it.each(ICU_ONLY)('PATCH /v1/stations/:id to %s -> 400, the zone stays', async (zone) => {
    const station = await createStation(t, { timezone: 'Europe/Berlin' });
    const res = await v1(t).patch(`/stations/${station.id}`).send({ timezone: zone });
    expect(expectValidationProblem(res)).toContain('timezone');
    const rows: { timezone: string }[] = await t.dataSource.query(
      'SELECT timezone FROM stations WHERE id = $1',
      [station.id],
    );
    expect(rows[0].timezone).toBe('Europe/Berlin');
  });

  it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kathmandu'])(
    '%s (known to both) is accepted and /daily answers 200',
    async (zone) => {
      const station = await createStation(t, { timezone: zone });
      const res = await v1(t).get(`/stations/${station.id}/daily?from=2025-01-01&to=2025-01-02`);
      expect(res.status).toBe(200);
    },
  );

  it('a station stored earlier with a zone the database does not know: /daily -> 409 problem naming the fix, never 500', async () => {
    const station = await createStation(t, { timezone: 'UTC' });
    await ingest(t, station.id, observationBody('2025-01-01T12:00:00Z'));
    // As an older release (ICU check only) stored it.
    await t.dataSource.query('UPDATE stations SET timezone = $2 WHERE id = $1', [
      station.id,
      'US/Pacific-New',
    ]);

    const res = await v1(t).get(`/stations/${station.id}/daily?from=2025-01-01&to=2025-01-02`);
    const problem = expectProblem(res, 409);
    expect(problem.detail).toContain('US/Pacific-New');
    expect(problem.detail).toContain('PATCH');

    // Everything that does not need the zone still works, and the fix is accepted.
    expect((await v1(t).get(`/stations/${station.id}`)).status).toBe(200);
    const observations = await v1(t).get(
      `/stations/${station.id}/observations?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z`,
    );
    expect(observations.status).toBe(200);
    const fixed = await v1(t)
      .patch(`/stations/${station.id}`)
      .send({ timezone: 'America/Los_Angeles' });
    expect(fixed.status).toBe(200);
    const daily = await v1(t).get(`/stations/${station.id}/daily?from=2025-01-01&to=2025-01-02`);
    expect(daily.status).toBe(200);
  });
});

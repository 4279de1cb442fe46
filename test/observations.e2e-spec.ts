import { countRows } from './support/database';
import { v1 } from './support/http';
import {
  forgeCursor,
  ingest,
  isoWithOffset,
  minutesFromNow,
  observationBody,
  timeSeries,
} from './support/observations';
import { expectProblem, expectValidationProblem } from './support/problems';
import { StationJson, createStation } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

const MINUTE = 60_000;
const DAY = 86_400_000;
const UNKNOWN_ID = '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11';

/** Whole minutes, some days back: every instant the tests store is in the past and exact. */
const BASE = new Date(Math.floor((Date.now() - 5 * DAY) / MINUTE) * MINUTE);

interface ObservationJson {
  id: string;
  stationId: string;
  observedAt: string;
  temperatureC: number;
  relativeHumidity: number | null;
  pressureHpa: number | null;
  windSpeedMs: number | null;
  windDirectionDeg: number | null;
  precipitationMm: number | null;
}

interface ObservationPageJson {
  data: ObservationJson[];
  nextCursor: string | null;
}

describe('observations (e2e)', () => {
  let t: TestApp;
  /** Receives the single writes of the validation tests; each picks a fresh instant. */
  let station: StationJson;
  /** 250 observations, one a minute from BASE: the read and pagination tests. */
  let series: StationJson;
  const seriesTimes = timeSeries(BASE, 250, MINUTE);
  let instantCounter = 0;

  beforeAll(async () => {
    t = await startTestApp();
    station = await createStation(t);
    series = await createStation(t);
    await ingest(
      t,
      series.id,
      seriesTimes.map((at, i) => observationBody(at, { temperatureC: (i % 50) - 10 })),
    );
  });
  afterAll(() => t.close());

  /** A past instant no other test of this file uses. */
  function freshInstant(): Date {
    instantCounter += 1;
    return new Date(BASE.getTime() - DAY - instantCounter * MINUTE);
  }

  function postObservations(stationId: string, body: unknown) {
    return v1(t)
      .post(`/stations/${stationId}/observations`)
      .send(body as object);
  }

  function listSeries(query: Record<string, string | number>) {
    return v1(t).get(`/stations/${series.id}/observations`).query(query);
  }

  /** A window that holds the whole series. */
  const SERIES_WINDOW = {
    from: BASE.toISOString(),
    to: new Date(BASE.getTime() + DAY).toISOString(),
  };

  // ---------------------------------------------------------------- ingest

  it('accepts one object: 201 {count: 1}, and stores every field', async () => {
    const at = freshInstant();
    const body = observationBody(at, {
      temperatureC: -3.5,
      relativeHumidity: 81,
      pressureHpa: 1013.2,
      windSpeedMs: 4.2,
      windDirectionDeg: 250,
      precipitationMm: 0.4,
    });
    const before = await countRows(t, 'observations', station.id);

    const res = await postObservations(station.id, body).expect(201);

    expect(res.body).toEqual({ count: 1 });
    expect(await countRows(t, 'observations', station.id)).toBe(before + 1);
    const stored = await v1(t)
      .get(`/stations/${station.id}/observations`)
      .query({ from: at.toISOString(), to: new Date(at.getTime() + 1).toISOString() })
      .expect(200);
    expect(stored.body.data).toEqual([
      { ...body, id: expect.any(String), stationId: station.id, observedAt: at.toISOString() },
    ]);
  });

  it('accepts a batch of 500: 201 {count: 500}, all rows written', async () => {
    const target = await createStation(t);
    const batch = timeSeries(BASE, 500, MINUTE).map((at) => observationBody(at));

    const res = await postObservations(target.id, batch).expect(201);

    expect(res.body).toEqual({ count: 500 });
    expect(await countRows(t, 'observations', target.id)).toBe(500);
  });

  it('rejects a batch of 501 with 400 and writes none of it', async () => {
    const target = await createStation(t);
    const batch = timeSeries(BASE, 501, MINUTE).map((at) => observationBody(at));

    const res = await postObservations(target.id, batch);

    expect(expectValidationProblem(res)).toEqual(['body']);
    expect(await countRows(t, 'observations', target.id)).toBe(0);
  });

  it('rejects an empty array with 400', async () => {
    const before = await countRows(t, 'observations');
    expect(expectValidationProblem(await postObservations(station.id, []))).toEqual(['body']);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  it('rejects a batch with one bad row: 400 naming "3.temperatureC", and no row of it is written', async () => {
    const target = await createStation(t);
    const batch = timeSeries(BASE, 6, MINUTE).map((at) => observationBody(at));
    batch[3].temperatureC = 61;

    const res = await postObservations(target.id, batch);

    expect(expectValidationProblem(res)).toEqual(['3.temperatureC']);
    expect(await countRows(t, 'observations', target.id)).toBe(0);
  });

  it('rejects a batch that repeats a timestamp with 409, writing nothing', async () => {
    const target = await createStation(t);
    const batch = timeSeries(BASE, 4, MINUTE).map((at) => observationBody(at));
    batch.push(observationBody(BASE, { temperatureC: 20 }));

    const res = await postObservations(target.id, batch);

    expect(expectProblem(res, 409).type).toBe('urn:weather-api:problem:conflict');
    expect(await countRows(t, 'observations', target.id)).toBe(0);
  });

  it('treats the same instant in another offset as a duplicate too (409)', async () => {
    const target = await createStation(t);
    const batch = [observationBody(BASE), observationBody(isoWithOffset(BASE, 330))];

    const res = await postObservations(target.id, batch);

    expectProblem(res, 409);
    expect(await countRows(t, 'observations', target.id)).toBe(0);
  });

  it('rejects a batch containing an already stored timestamp with 409, writing none of it', async () => {
    const target = await createStation(t);
    const [stored, ...fresh] = timeSeries(BASE, 5, MINUTE);
    await ingest(t, target.id, observationBody(stored));

    const res = await postObservations(target.id, [
      ...fresh.map((at) => observationBody(at)),
      observationBody(stored, { temperatureC: 30 }),
    ]);

    expectProblem(res, 409);
    expect(await countRows(t, 'observations', target.id)).toBe(1);
    const rows: { temperature_c: number }[] = await t.dataSource.query(
      'SELECT temperature_c FROM observations WHERE station_id = $1',
      [target.id],
    );
    expect(rows).toEqual([{ temperature_c: 10 }]);
  });

  it('keeps stations apart: the same instant may be stored once per station', async () => {
    const other = await createStation(t);
    const at = freshInstant();
    await ingest(t, station.id, observationBody(at));

    const res = await postObservations(other.id, observationBody(at)).expect(201);

    expect(res.body).toEqual({ count: 1 });
    expect(await countRows(t, 'observations', other.id)).toBe(1);
  });

  it.each([
    ['temperatureC', -90],
    ['temperatureC', 60],
    ['relativeHumidity', 0],
    ['relativeHumidity', 100],
    ['pressureHpa', 850],
    ['pressureHpa', 1100],
    ['windSpeedMs', 0],
    ['windSpeedMs', 120],
    ['windDirectionDeg', 0],
    ['windDirectionDeg', 359.9],
    ['precipitationMm', 0],
    ['precipitationMm', 500],
  ])('accepts %s = %j (inside the bound) and stores it', async (field, value) => {
    const before = await countRows(t, 'observations', station.id);
    const res = await postObservations(
      station.id,
      observationBody(freshInstant(), { [field]: value }),
    );
    expect(res.status).toBe(201);
    expect(await countRows(t, 'observations', station.id)).toBe(before + 1);
  });

  it.each([
    ['temperatureC', -90.01],
    ['temperatureC', 60.01],
    ['temperatureC', '10'],
    ['temperatureC', null],
    ['relativeHumidity', -0.01],
    ['relativeHumidity', 100.01],
    ['pressureHpa', 849.9],
    ['pressureHpa', 1100.1],
    ['windSpeedMs', -0.1],
    ['windSpeedMs', 120.1],
    ['windDirectionDeg', -0.1],
    ['windDirectionDeg', 360],
    ['precipitationMm', -0.1],
    ['precipitationMm', 500.1],
  ])('rejects %s = %j (outside the bound) with 400 and writes nothing', async (field, value) => {
    const before = await countRows(t, 'observations');
    const res = await postObservations(
      station.id,
      observationBody(freshInstant(), { [field]: value }),
    );
    expect(expectValidationProblem(res)).toEqual([field]);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  it.each(['observedAt', 'temperatureC'])('rejects an observation without %s', async (field) => {
    const before = await countRows(t, 'observations');
    const body = observationBody(freshInstant());
    delete body[field];
    expect(expectValidationProblem(await postObservations(station.id, body))).toEqual([field]);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  it('accepts observedAt 4 minutes in the future (clock skew) and rejects 6 minutes', async () => {
    const before = await countRows(t, 'observations', station.id);

    await postObservations(station.id, observationBody(minutesFromNow(4))).expect(201);
    const late = await postObservations(station.id, observationBody(minutesFromNow(6)));

    expect(expectValidationProblem(late)).toEqual(['observedAt']);
    expect(await countRows(t, 'observations', station.id)).toBe(before + 1);
  });

  it('accepts observedAt with any explicit offset and stores the instant', async () => {
    const at = freshInstant();
    await postObservations(station.id, observationBody(isoWithOffset(at, -210))).expect(201);
    const rows: { n: number }[] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM observations WHERE station_id = $1 AND observed_at = $2',
      [station.id, at.toISOString()],
    );
    expect(rows[0].n).toBe(1);
  });

  it.each([
    '2025-01-15T10:00:00',
    '2025-01-15 10:00:00Z',
    '2025-01-15',
    '2025-02-30T10:00:00Z',
    '2025-01-15T10:00:00+25:00',
    'yesterday',
    '',
    1736935200000,
    null,
  ])('rejects observedAt %j (no offset, or not a date-time) with 400', async (observedAt) => {
    const before = await countRows(t, 'observations');
    const res = await postObservations(station.id, { observedAt, temperatureC: 10 });
    expect(expectValidationProblem(res)).toEqual(['observedAt']);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  it.each(['stationId', 'id', 'createdAt'])(
    'rejects the unknown property %s in a batch row with 400, writing nothing anywhere',
    async (field) => {
      const other = await createStation(t);
      const before = await countRows(t, 'observations');
      // stationId aims the row at another station; id and createdAt are server-set.
      const value = { stationId: other.id, id: UNKNOWN_ID, createdAt: '2020-01-01T00:00:00Z' }[
        field
      ];
      const batch = [
        observationBody(freshInstant()),
        observationBody(freshInstant(), { [field]: value }),
      ];

      const res = await postObservations(station.id, batch);

      expect(expectValidationProblem(res)).toEqual([`1.${field}`]);
      expect(await countRows(t, 'observations')).toBe(before);
      expect(await countRows(t, 'observations', other.id)).toBe(0);
    },
  );

  it.each(['__proto__', 'constructor'])(
    'rejects a %s key inside a batch row with 400',
    async (key) => {
      const before = await countRows(t, 'observations');
      const rows = [observationBody(freshInstant()), observationBody(freshInstant())];
      const json = `[${JSON.stringify(rows[0])},${JSON.stringify(rows[1]).replace(/}$/, `,"${key}":{"x":1}}`)}]`;

      const res = await v1(t)
        .post(`/stations/${station.id}/observations`)
        .set('Content-Type', 'application/json')
        .send(json);

      expect(expectValidationProblem(res)).toEqual([`1.${key}`]);
      expect(await countRows(t, 'observations')).toBe(before);
    },
  );

  it.each([
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['an array of numbers', '[1, 2]'],
    ['an array with null', '[null]'],
  ])('rejects %s as the body with 400', async (_label, json) => {
    const before = await countRows(t, 'observations');
    const res = await v1(t)
      .post(`/stations/${station.id}/observations`)
      .set('Content-Type', 'application/json')
      .send(json);
    expectProblem(res, 400);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  it('answers 404 for an unknown station and 400 for a malformed id, writing nothing', async () => {
    const before = await countRows(t, 'observations');
    expectProblem(await postObservations(UNKNOWN_ID, observationBody(freshInstant())), 404);
    const bad = await postObservations('not-a-uuid', observationBody(freshInstant()));
    expect(expectValidationProblem(bad)).toEqual(['id']);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  // ---------------------------------------------------------------- list

  it('lists a window: from inclusive, to exclusive, oldest first, offsets honoured', async () => {
    // BASE+10min .. BASE+20min, written in +05:30 and -03:00.
    const from = isoWithOffset(new Date(BASE.getTime() + 10 * MINUTE), 330);
    const to = isoWithOffset(new Date(BASE.getTime() + 20 * MINUTE), -180);

    const res = await listSeries({ from, to }).expect(200);

    const page = res.body as ObservationPageJson;
    expect(page.data.map((o) => o.observedAt)).toEqual(
      seriesTimes.slice(10, 20).map((d) => d.toISOString()),
    );
    expect(page.data.every((o) => o.stationId === series.id)).toBe(true);
    expect(page.nextCursor).toBeNull();
  });

  it.each([40, 50, 7])(
    'pages through 250 rows with limit %i: every row exactly once, in order',
    async (limit) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const query: Record<string, string | number> = { ...SERIES_WINDOW, limit };
        if (cursor !== null) query.cursor = cursor;
        const res = await listSeries(query).expect(200);
        const page = res.body as ObservationPageJson;
        seen.push(...page.data.map((o) => o.observedAt));
        sizes.push(page.data.length);
        cursor = page.nextCursor;
      } while (cursor !== null && sizes.length <= 250);

      expect(seen).toEqual(seriesTimes.map((d) => d.toISOString()));
      expect(new Set(seen).size).toBe(250);
      // Full pages, then the rest; no trailing empty page when the count divides evenly.
      const full = Math.floor(250 / limit);
      const rest = 250 % limit;
      expect(sizes).toEqual([...Array<number>(full).fill(limit), ...(rest ? [rest] : [])]);
    },
  );

  it('defaults limit to 100 and allows 1000', async () => {
    const byDefault = await listSeries(SERIES_WINDOW).expect(200);
    expect(byDefault.body.data).toHaveLength(100);
    expect(byDefault.body.nextCursor).toEqual(expect.any(String));

    const max = await listSeries({ ...SERIES_WINDOW, limit: 1000 }).expect(200);
    expect(max.body.data).toHaveLength(250);
    expect(max.body.nextCursor).toBeNull();

    const one = await listSeries({ ...SERIES_WINDOW, limit: 1 }).expect(200);
    expect((one.body as ObservationPageJson).data.map((o) => o.observedAt)).toEqual([
      seriesTimes[0].toISOString(),
    ]);
  });

  it.each(['0', '1001', 'abc', '1.5', '-1'])('rejects limit=%s with 400', async (limit) => {
    const res = await listSeries({ ...SERIES_WINDOW, limit });
    expect(expectValidationProblem(res)).toEqual(['limit']);
  });

  it('accepts a range of exactly 31 days and rejects one millisecond more', async () => {
    const to = new Date(BASE.getTime() + 31 * DAY);
    const ok = await listSeries({ from: BASE.toISOString(), to: to.toISOString(), limit: 1000 });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toHaveLength(250);

    const tooWide = await listSeries({
      from: new Date(BASE.getTime() - 1).toISOString(),
      to: to.toISOString(),
    });
    expect(expectValidationProblem(tooWide)).toEqual(['from']);
  });

  it.each([
    ['from equal to to', 0],
    ['from after to', -MINUTE],
  ])('rejects %s with 400', async (_label, delta) => {
    const res = await listSeries({
      from: BASE.toISOString(),
      to: new Date(BASE.getTime() + delta).toISOString(),
    });
    expect(expectValidationProblem(res)).toEqual(['from']);
  });

  it.each([
    ['from', 'yesterday'],
    ['from', '2025-01-15'],
    ['from', '2025-01-15T10:00:00'],
    ['from', '2025-02-30T10:00:00Z'],
    ['from', '1736935200000'],
    ['to', ''],
    ['to', 'now'],
    ['to', "2025-01-15T10:00:00Z' OR 1=1--"],
  ])('rejects %s=%j with 400', async (field, value) => {
    const res = await listSeries({ ...SERIES_WINDOW, [field]: value });
    expect(expectValidationProblem(res)).toEqual([field]);
  });

  it('rejects an unknown query parameter with 400', async () => {
    const res = await listSeries({ ...SERIES_WINDOW, stationId: station.id });
    expect(expectValidationProblem(res)).toEqual(['stationId']);
  });

  it('rejects tampered and garbage cursors with 400, never 500', async () => {
    const first = await listSeries({ ...SERIES_WINDOW, limit: 10 }).expect(200);
    const real = (first.body as ObservationPageJson).nextCursor as string;
    const cursors = [
      real.slice(0, -4),
      `${real}AAAA`,
      `!${real}`,
      'not a cursor',
      'x'.repeat(201),
      '',
      Buffer.from('{"t":"2025-01-15T10:00:00.000Z"}').toString('base64'),
      forgeCursor({ t: 'yesterday' }),
      forgeCursor({ t: '-271821-04-20T00:00:00.000Z' }),
      forgeCursor({ t: '+275760-09-13T00:00:00.000Z' }),
      forgeCursor({ t: '2025-02-30T00:00:00.000Z' }),
      forgeCursor({ t: '2025-01-15' }),
      forgeCursor({ t: 1736935200000 }),
      forgeCursor({ t: '2025-01-15T10:00:00.000Z', id: 'x' }),
      forgeCursor({ after: '2025-01-15T10:00:00.000Z' }),
      forgeCursor(['2025-01-15T10:00:00.000Z']),
      forgeCursor(null),
      forgeCursor("' OR 1=1--"),
    ];
    for (const cursor of cursors) {
      const res = await listSeries({ ...SERIES_WINDOW, cursor });
      expect({ cursor, fields: expectValidationProblem(res) }).toEqual({
        cursor,
        fields: ['cursor'],
      });
    }
  });

  it('answers 404 for an unknown station and 400 for a malformed id', async () => {
    expectProblem(
      await v1(t).get(`/stations/${UNKNOWN_ID}/observations`).query(SERIES_WINDOW),
      404,
    );
    expectProblem(await v1(t).get(`/stations/${UNKNOWN_ID}/observations/latest`), 404);
    const bad = await v1(t).get('/stations/123/observations/latest');
    expect(expectValidationProblem(bad)).toEqual(['id']);
  });

  // ---------------------------------------------------------------- latest

  it('GET latest returns the newest observation, whatever the insert order', async () => {
    const target = await createStation(t);
    const [t0, t1, t2] = timeSeries(BASE, 3, MINUTE);
    await ingest(t, target.id, [
      observationBody(t2, { temperatureC: 3 }),
      observationBody(t0, { temperatureC: 1 }),
    ]);
    await ingest(t, target.id, observationBody(t1, { temperatureC: 2 }));

    const res = await v1(t).get(`/stations/${target.id}/observations/latest`).expect(200);

    expect(res.body).toMatchObject({
      stationId: target.id,
      observedAt: t2.toISOString(),
      temperatureC: 3,
    });
    expect(await countRows(t, 'observations', target.id)).toBe(3);
  });

  it('GET latest answers 404 for a station without observations', async () => {
    const empty = await createStation(t);
    expect(await countRows(t, 'observations', empty.id)).toBe(0);
    expectProblem(await v1(t).get(`/stations/${empty.id}/observations/latest`), 404);
  });
});

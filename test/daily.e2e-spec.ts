import { countRows } from './support/database';
import { v1 } from './support/http';
import { ingest, observationBody } from './support/observations';
import { expectProblem, expectValidationProblem } from './support/problems';
import { StationJson, createStation } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

const UNKNOWN_ID = '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11';

/**
 * Hand-made observations, written in the station's local time with the offset that is in force
 * there (so the UTC instant is plain to see). `null` precipitation must count as 0.
 */
type Row = [observedAt: string, temperatureC: number, precipitationMm: number | null];

// America/New_York in January: EST, UTC-05:00.
const NEW_YORK_JANUARY: Row[] = [
  ['2025-01-13T23:30:00-05:00', -3, 1.2], // 2025-01-14T04:30Z: UTC says the 14th, local the 13th
  ['2025-01-14T00:30:00-05:00', 2, null],
  ['2025-01-14T12:00:00-05:00', 8.5, 0.4],
  ['2025-01-14T23:30:00-05:00', 1, 2.1], // 2025-01-15T04:30Z: still the 14th locally
  ['2025-01-15T00:00:00-05:00', -1, null], // local midnight opens the 15th
  ['2025-01-15T00:30:00-05:00', -2.5, 0.5],
  ['2025-01-16T10:00:00-05:00', 4, null], // a day with no precipitation reported at all
];

// 2025-03-09 in New York: 02:00 EST jumps to 03:00 EDT, so the local day lasts 23 hours and
// its midnights are 05:00Z and 04:00Z (next day). A fixed -05:00 would move the last row here.
const NEW_YORK_DST_START: Row[] = [
  ['2025-03-08T23:30:00-05:00', 0, null], // 04:30Z on the 9th
  ['2025-03-09T00:30:00-05:00', 3, 0.2], // 05:30Z
  ['2025-03-09T23:30:00-04:00', 9, 0.3], // 03:30Z on the 10th
  ['2025-03-10T00:30:00-04:00', 5, 1], // 04:30Z on the 10th: a fixed -05:00 would say 23:30 on the 9th
];

// Asia/Kathmandu: UTC+05:45 all year, so local midnight is 18:15Z the day before.
const KATHMANDU: Row[] = [
  ['2025-01-13T23:59:00+05:45', 5, 0.3], // 18:14Z on the 13th
  ['2025-01-14T00:00:00+05:45', 7, null], // 18:15Z on the 13th: UTC says the 13th, local the 14th
  ['2025-01-14T12:00:00+05:45', 15, 1],
  ['2025-01-14T23:59:59.999+05:45', 6, null], // 18:14:59.999Z on the 14th
  ['2025-01-15T00:00:00+05:45', 4, 0.2], // 18:15Z on the 14th
];

interface DailyJson {
  date: string;
  minTemperatureC: number;
  maxTemperatureC: number;
  meanTemperatureC: number;
  totalPrecipitationMm: number;
  observationCount: number;
}

describe('daily summaries (e2e)', () => {
  let t: TestApp;
  let newYork: StationJson;
  let kathmandu: StationJson;

  beforeAll(async () => {
    t = await startTestApp();
    newYork = await createStation(t, {
      timezone: 'America/New_York',
      latitude: 40.7,
      longitude: -74,
    });
    kathmandu = await createStation(t, {
      timezone: 'Asia/Kathmandu',
      latitude: 27.7,
      longitude: 85.3,
    });
    const toBodies = (rows: Row[]) =>
      rows.map(([at, temperatureC, precipitationMm]) =>
        observationBody(
          at,
          precipitationMm === null ? { temperatureC } : { temperatureC, precipitationMm },
        ),
      );
    await ingest(t, newYork.id, toBodies([...NEW_YORK_JANUARY, ...NEW_YORK_DST_START]));
    await ingest(t, kathmandu.id, toBodies(KATHMANDU));
  });
  afterAll(() => t.close());

  function daily(stationId: string, query: Record<string, string>) {
    return v1(t).get(`/stations/${stationId}/daily`).query(query);
  }

  it('groups by the local calendar day of America/New_York', async () => {
    const res = await daily(newYork.id, { from: '2025-01-13', to: '2025-01-16' }).expect(200);

    expect(res.body.stationId).toBe(newYork.id);
    expect(res.body.timezone).toBe('America/New_York');
    expect(res.body.data as DailyJson[]).toEqual([
      // 13th: -3 only.
      day('2025-01-13', { min: -3, max: -3, mean: -3, precipitation: 1.2, count: 1 }),
      // 14th: 2, 8.5, 1 -> mean 11.5 / 3 = 3.833..; precipitation 0 + 0.4 + 2.1.
      day('2025-01-14', { min: 1, max: 8.5, mean: 3.83, precipitation: 2.5, count: 3 }),
      // 15th: -1, -2.5 -> mean -1.75; precipitation 0 + 0.5.
      day('2025-01-15', { min: -2.5, max: -1, mean: -1.75, precipitation: 0.5, count: 2 }),
      // 16th: precipitation never reported -> 0, not null.
      day('2025-01-16', { min: 4, max: 4, mean: 4, precipitation: 0, count: 1 }),
    ]);
  });

  it('cuts the range at local midnights, not UTC ones', async () => {
    const res = await daily(newYork.id, { from: '2025-01-14', to: '2025-01-14' }).expect(200);
    // 23:30 on the 13th (04:30Z on the 14th) and 00:00 on the 15th (05:00Z) stay out.
    expect(res.body.data).toEqual([
      day('2025-01-14', { min: 1, max: 8.5, mean: 3.83, precipitation: 2.5, count: 3 }),
    ]);
  });

  it('follows the zone rules across a daylight-saving change (a 23-hour day)', async () => {
    const res = await daily(newYork.id, { from: '2025-03-08', to: '2025-03-10' }).expect(200);
    expect(res.body.data).toEqual([
      day('2025-03-08', { min: 0, max: 0, mean: 0, precipitation: 0, count: 1 }),
      // 9th: 3 and 9 -> mean 6; precipitation 0.2 + 0.3.
      day('2025-03-09', { min: 3, max: 9, mean: 6, precipitation: 0.5, count: 2 }),
      day('2025-03-10', { min: 5, max: 5, mean: 5, precipitation: 1, count: 1 }),
    ]);
  });

  it('handles a +05:45 zone (Asia/Kathmandu) to the millisecond', async () => {
    const res = await daily(kathmandu.id, { from: '2025-01-13', to: '2025-01-15' }).expect(200);
    expect(res.body.timezone).toBe('Asia/Kathmandu');
    expect(res.body.data).toEqual([
      day('2025-01-13', { min: 5, max: 5, mean: 5, precipitation: 0.3, count: 1 }),
      // 14th: 7, 15, 6 -> mean 28 / 3 = 9.333..; precipitation 0 + 1 + 0.
      day('2025-01-14', { min: 6, max: 15, mean: 9.33, precipitation: 1, count: 3 }),
      day('2025-01-15', { min: 4, max: 4, mean: 4, precipitation: 0.2, count: 1 }),
    ]);
  });

  it('leaves out days without observations and answers [] for an empty range', async () => {
    const sparse = await daily(newYork.id, { from: '2025-01-16', to: '2025-03-08' }).expect(200);
    expect((sparse.body.data as DailyJson[]).map((d) => d.date)).toEqual([
      '2025-01-16',
      '2025-03-08',
    ]);

    const empty = await daily(newYork.id, { from: '2024-06-01', to: '2024-06-30' }).expect(200);
    expect(empty.body.data).toEqual([]);
  });

  it('counts every stored observation exactly once over a range that holds them all', async () => {
    const res = await daily(newYork.id, { from: '2025-01-01', to: '2025-03-31' }).expect(200);
    const total = (res.body.data as DailyJson[]).reduce((sum, d) => sum + d.observationCount, 0);
    expect(total).toBe(await countRows(t, 'observations', newYork.id));
    expect(total).toBe(NEW_YORK_JANUARY.length + NEW_YORK_DST_START.length);
  });

  it('accepts a range of 366 days (both ends inclusive) and a single day', async () => {
    const year = await daily(newYork.id, { from: '2024-03-31', to: '2025-03-31' }).expect(200);
    expect(year.body.data).toHaveLength(7);
    const single = await daily(newYork.id, { from: '2025-01-16', to: '2025-01-16' }).expect(200);
    expect(single.body.data).toHaveLength(1);
  });

  it('rejects a range of 367 days with 400', async () => {
    const res = await daily(newYork.id, { from: '2024-03-30', to: '2025-03-31' });
    expect(expectValidationProblem(res)).toEqual(['from']);
  });

  it('rejects from after to with 400', async () => {
    const res = await daily(newYork.id, { from: '2025-01-15', to: '2025-01-14' });
    expect(expectValidationProblem(res)).toEqual(['from']);
  });

  it.each([
    ['from', '2026-02-30'],
    ['from', '2026-1-1'],
    ['from', '20260101'],
    ['from', '2026-01-01T00:00:00Z'],
    ['from', "2026-01-01' OR 1=1--"],
    ['to', '2025-13-01'],
    ['to', '2025-02-29'],
    ['to', 'tomorrow'],
    ['to', ''],
  ])('rejects %s=%j with 400', async (field, value) => {
    const res = await daily(newYork.id, { from: '2025-01-01', to: '2025-01-31', [field]: value });
    expect(expectValidationProblem(res)).toEqual([field]);
  });

  it.each(['from', 'to'])('rejects a request without %s with 400', async (field) => {
    const query: Record<string, string> = { from: '2025-01-01', to: '2025-01-31' };
    delete query[field];
    expect(expectValidationProblem(await daily(newYork.id, query))).toEqual([field]);
  });

  it('rejects an unknown query parameter with 400', async () => {
    const res = await daily(newYork.id, { from: '2025-01-01', to: '2025-01-31', tz: 'UTC' });
    expect(expectValidationProblem(res)).toEqual(['tz']);
  });

  it('answers 404 for an unknown station and 400 for a malformed id', async () => {
    const query = { from: '2025-01-01', to: '2025-01-31' };
    expectProblem(await daily(UNKNOWN_ID, query), 404);
    expect(expectValidationProblem(await daily('nope', query))).toEqual(['id']);
  });
});

function day(
  date: string,
  v: { min: number; max: number; mean: number; precipitation: number; count: number },
): DailyJson {
  return {
    date,
    minTemperatureC: v.min,
    maxTemperatureC: v.max,
    meanTemperatureC: v.mean,
    totalPrecipitationMm: v.precipitation,
    observationCount: v.count,
  };
}

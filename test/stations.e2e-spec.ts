import { countRows } from './support/database';
import { v1 } from './support/http';
import { ingest, observationBody } from './support/observations';
import { expectProblem, expectValidationProblem } from './support/problems';
import { StationJson, createStation, stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

const UNKNOWN_ID = '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11';
const BAD_IDS = [
  'not-a-uuid',
  '1 OR 1=1',
  '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c1',
  "'; DROP TABLE stations;--",
];

/** The stations the list-filter tests query: all near (-35, 145), where no other test puts one. */
const LIST_SET = [
  { code: 'LS_ALPHA', name: 'Alpha Ridge', latitude: -35, longitude: 145 },
  { code: 'LS_BETA', name: 'Beta 100% Peak', latitude: -31, longitude: 141 },
  { code: 'LS_GAMMA', name: 'Gamma_Valley', latitude: -39.5, longitude: 149.5 },
  { code: 'LS_CORNER', name: 'Corner Post', latitude: -40, longitude: 140 },
  // Outside the box below; would match `Gamma_Valley` / `100%` if `_` / `%` were wildcards.
  { code: 'LS_GAMMAX', name: 'GammaXValley', latitude: -20, longitude: 145 },
  { code: 'LS_BETA1000', name: 'Beta 1000 Peak', latitude: -35, longitude: 160 },
];
const BOX = { minLat: -40, maxLat: -30, minLon: 140, maxLon: 150 };
const IN_BOX = ['LS_ALPHA', 'LS_BETA', 'LS_CORNER', 'LS_GAMMA']; // ordered by code

interface StationPageJson {
  data: StationJson[];
  page: { limit: number; offset: number; total: number };
}

describe('stations (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    for (const station of LIST_SET) await createStation(t, station);
  });
  afterAll(() => t.close());

  /** The station's row as stored, read without going through the API. */
  async function storedRow(id: string): Promise<Record<string, unknown> | undefined> {
    const rows: Record<string, unknown>[] = await t.dataSource.query(
      'SELECT code, name, latitude, longitude, elevation_m, timezone, owner_id, created_at FROM stations WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  function list(query: Record<string, string | number>) {
    return v1(t).get('/stations').query(query);
  }

  function codesOf(body: unknown): string[] {
    return (body as StationPageJson).data.map((s) => s.code);
  }

  // ---------------------------------------------------------------- create and read

  it('POST creates a station: 201 with server-set id, ownerId and timestamps, one row written', async () => {
    const before = await countRows(t, 'stations');
    const body = stationBody({ name: 'Berlin Tegel', latitude: 52.5644, longitude: 13.3088 });

    const res = await v1(t).post('/stations').send(body).expect(201);

    const { ownerId, ...rest } = res.body as StationJson;
    expect(rest).toEqual({
      ...body,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await countRows(t, 'stations')).toBe(before + 1);
    expect(await storedRow(res.body.id)).toEqual({
      code: body.code,
      name: 'Berlin Tegel',
      latitude: 52.5644,
      longitude: 13.3088,
      elevation_m: 34,
      timezone: 'Europe/Berlin',
      // Set by the server from the caller, never from the body.
      owner_id: ownerId,
      created_at: new Date(rest.createdAt),
    });
  });

  it('GET /:id returns the stored station', async () => {
    const created = await createStation(t, { name: 'Readable' });
    const res = await v1(t).get(`/stations/${created.id}`).expect(200);
    expect(res.body).toEqual(created);
  });

  // ---------------------------------------------------------------- DTO bounds

  it.each([
    ['code', 'AB1'],
    ['code', 'ABCDEFGHIJ-_1234'],
    ['name', 'x'],
    ['name', 'x'.repeat(100)],
    ['latitude', -90],
    ['latitude', 90],
    ['longitude', -180],
    ['longitude', 180],
    ['elevationM', -500],
    ['elevationM', 9000],
    ['timezone', 'UTC'],
    ['timezone', 'America/Argentina/Buenos_Aires'],
    ['timezone', 'Asia/Kathmandu'],
  ])('accepts %s = %j (inside the bound) and stores it', async (field, value) => {
    const before = await countRows(t, 'stations');
    const res = await v1(t)
      .post('/stations')
      .send(stationBody({ [field]: value }))
      .expect(201);
    expect(res.body[field]).toEqual(value);
    expect(await countRows(t, 'stations')).toBe(before + 1);
  });

  it.each([
    ['code', 'AB'],
    ['code', 'ABCDEFGHIJKLMNOPQ'],
    ['code', 'abc'],
    ['code', 'AB C'],
    ['code', 123],
    ['name', ''],
    ['name', 'x'.repeat(101)],
    ['name', 42],
    ['latitude', -90.0001],
    ['latitude', 90.0001],
    ['latitude', '45'],
    ['longitude', -180.0001],
    ['longitude', 180.0001],
    ['elevationM', -500.1],
    ['elevationM', 9000.1],
    ['elevationM', null],
    ['timezone', 'Mars/Olympus'],
    ['timezone', 'Europe/Berlinn'],
    ['timezone', ''],
    ['timezone', '../../etc/passwd'],
  ])('rejects %s = %j (outside the bound) with 400 and writes nothing', async (field, value) => {
    const before = await countRows(t, 'stations');
    const res = await v1(t)
      .post('/stations')
      .send(stationBody({ [field]: value }));
    expect(expectValidationProblem(res)).toEqual([field]);
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it.each(['code', 'name', 'latitude', 'longitude', 'elevationM', 'timezone'])(
    'rejects a body without %s with 400 and writes nothing',
    async (field) => {
      const before = await countRows(t, 'stations');
      const body = stationBody();
      delete body[field];
      const res = await v1(t).post('/stations').send(body);
      expect(expectValidationProblem(res)).toEqual([field]);
      expect(await countRows(t, 'stations')).toBe(before);
    },
  );

  // ---------------------------------------------------------------- mass assignment

  it.each([
    ['role', 'admin'],
    ['ownerId', UNKNOWN_ID],
    ['id', UNKNOWN_ID],
    ['createdAt', '2020-01-01T00:00:00Z'],
  ])('rejects the unknown property %s with 400 and writes nothing', async (field, value) => {
    const before = await countRows(t, 'stations');
    const res = await v1(t)
      .post('/stations')
      .send(stationBody({ [field]: value }));
    expect(expectValidationProblem(res)).toEqual([field]);
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it.each(['__proto__', 'constructor'])(
    'rejects a JSON body carrying a %s key with 400 and writes nothing',
    async (key) => {
      const before = await countRows(t, 'stations');
      // Raw JSON: an object literal would not carry `__proto__` as an own key.
      const json = JSON.stringify(stationBody()).replace(/}$/, `,"${key}":{"isAdmin":true}}`);
      const res = await v1(t).post('/stations').set('Content-Type', 'application/json').send(json);
      expect(expectValidationProblem(res)).toEqual([key]);
      expect(await countRows(t, 'stations')).toBe(before);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    },
  );

  it('rejects a duplicate code with a 409 problem and keeps the first station', async () => {
    const first = await createStation(t, { name: 'First' });
    const before = await countRows(t, 'stations');

    const res = await v1(t)
      .post('/stations')
      .send(stationBody({ code: first.code, name: 'Second' }));

    expect(expectProblem(res, 409).type).toBe('urn:weather-api:problem:conflict');
    expect(await countRows(t, 'stations')).toBe(before);
    expect(await storedRow(first.id)).toMatchObject({ name: 'First' });
  });

  // ---------------------------------------------------------------- list and filters

  it('lists with default paging: limit 20, offset 0, ordered by code, total of all rows', async () => {
    const res = await v1(t).get('/stations').expect(200);
    const page = res.body as StationPageJson;
    expect(page.page).toEqual({ limit: 20, offset: 0, total: await countRows(t, 'stations') });
    const codes = codesOf(page);
    expect(codes.length).toBe(Math.min(20, page.page.total));
    expect(codes).toEqual([...codes].sort());
  });

  it('filters by exact code (not prefix)', async () => {
    const exact = await list({ code: 'LS_ALPHA' }).expect(200);
    expect(codesOf(exact.body)).toEqual(['LS_ALPHA']);
    expect(exact.body.page.total).toBe(1);

    const prefix = await list({ code: 'LS_ALP' }).expect(200);
    expect(codesOf(prefix.body)).toEqual([]);
  });

  it('filters by a case-insensitive name substring', async () => {
    for (const name of ['alpha ridge', 'ALPHA', 'pHa Ri']) {
      const res = await list({ name }).expect(200);
      expect(codesOf(res.body)).toEqual(['LS_ALPHA']);
    }
  });

  it.each([
    ['%', ['LS_BETA']],
    ['100%', ['LS_BETA']],
    ['_', ['LS_GAMMA']],
    ['Gamma_V', ['LS_GAMMA']],
    ['\\', []],
  ])('matches %j in the name filter literally, not as a wildcard', async (name, expected) => {
    const res = await list({ name }).expect(200);
    expect(codesOf(res.body)).toEqual(expected);
  });

  it('filters by a bounding box, edges included', async () => {
    const res = await list(BOX).expect(200);
    expect(codesOf(res.body)).toEqual(IN_BOX);
    expect(res.body.page.total).toBe(IN_BOX.length);
  });

  it('combines filters', async () => {
    const res = await list({ ...BOX, name: 'gamma' }).expect(200);
    expect(codesOf(res.body)).toEqual(['LS_GAMMA']);
  });

  it.each([
    [{ minLat: -40 }],
    [{ minLat: -40, maxLat: -30 }],
    [{ minLat: -40, maxLat: -30, minLon: 140 }],
    [{ maxLon: 150 }],
  ])('rejects an incomplete bounding box %j with 400', async (query) => {
    const res = await list(query);
    expect(expectValidationProblem(res).length).toBeGreaterThan(0);
  });

  it.each([
    ['minLat > maxLat', { ...BOX, minLat: -29 }, 'minLat'],
    ['minLon > maxLon', { ...BOX, minLon: 151 }, 'minLon'],
    ['minLat below -90', { ...BOX, minLat: -90.5 }, 'minLat'],
    ['maxLat above 90', { ...BOX, maxLat: 90.5 }, 'maxLat'],
    ['minLon below -180', { ...BOX, minLon: -180.5 }, 'minLon'],
    ['maxLon above 180', { ...BOX, maxLon: 180.5 }, 'maxLon'],
    ['a non-number', { ...BOX, maxLon: 'east' }, 'maxLon'],
  ])('rejects a bounding box with %s with 400', async (_label, query, field) => {
    const res = await list(query);
    expect(expectValidationProblem(res)).toContain(field);
  });

  it('accepts limit 1 and 100 (the bounds) and pages with offset', async () => {
    const one = await list({ ...BOX, limit: 1 }).expect(200);
    expect(codesOf(one.body)).toEqual([IN_BOX[0]]);
    expect(one.body.page).toEqual({ limit: 1, offset: 0, total: IN_BOX.length });

    const hundred = await list({ ...BOX, limit: 100 }).expect(200);
    expect(codesOf(hundred.body)).toEqual(IN_BOX);

    const first = await list({ ...BOX, limit: 2, offset: 0 }).expect(200);
    const second = await list({ ...BOX, limit: 2, offset: 2 }).expect(200);
    expect([...codesOf(first.body), ...codesOf(second.body)]).toEqual(IN_BOX);
    expect(second.body.page).toEqual({ limit: 2, offset: 2, total: IN_BOX.length });

    const past = await list({ ...BOX, offset: 50 }).expect(200);
    expect(codesOf(past.body)).toEqual([]);
    expect(past.body.page.total).toBe(IN_BOX.length);
  });

  it.each([
    ['limit', '0'],
    ['limit', '101'],
    ['limit', 'abc'],
    ['limit', '1.5'],
    ['limit', '-1'],
    ['offset', '-1'],
    ['offset', 'abc'],
    ['offset', '10001'],
  ])('rejects %s=%s with 400', async (field, value) => {
    const res = await list({ [field]: value });
    expect(expectValidationProblem(res)).toEqual([field]);
  });

  it.each([
    ['an unknown parameter', 'role=admin', 'role'],
    ['a __proto__ parameter', '__proto__=x', '__proto__'],
    ['a repeated parameter', 'limit=1&limit=2', 'limit'],
    ['an empty name', 'name=', 'name'],
    ['a lowercase code', 'code=ls_alpha', 'code'],
  ])('rejects %s in the query with 400', async (_label, query, field) => {
    const res = await v1(t).get(`/stations?${query}`);
    expect(expectValidationProblem(res)).toEqual([field]);
  });

  // ---------------------------------------------------------------- SQL injection

  it.each([
    ['name', "' OR 1=1--"],
    ['name', "BER'; DROP TABLE stations;--"],
    ['name', "%' OR '1'='1"],
    ['name', "x' UNION SELECT id, code FROM stations--"],
    ['code', "' OR 1=1--"],
    ['code', "BER'; DROP TABLE stations;--"],
  ])('treats %s=%j as data: 400 or no rows, and the table survives', async (field, value) => {
    const before = await countRows(t, 'stations');

    const res = await list({ [field]: value });

    if (res.status === 400) {
      expect(expectValidationProblem(res)).toEqual([field]);
    } else {
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
      expect(res.body.page.total).toBe(0);
    }
    const tables: { name: string | null }[] = await t.dataSource.query(
      `SELECT to_regclass('public.stations')::text AS name`,
    );
    expect(tables[0].name).toBe('stations');
    expect(await countRows(t, 'stations')).toBe(before);
  });

  // ---------------------------------------------------------------- path ids

  it.each(BAD_IDS)('rejects the path id %j with 400 on GET, PATCH and DELETE', async (id) => {
    const before = await countRows(t, 'stations');
    const path = `/stations/${encodeURIComponent(id)}`;
    for (const res of [
      await v1(t).get(path),
      await v1(t).patch(path).send({ name: 'x' }),
      await v1(t).delete(path),
    ]) {
      expect(expectValidationProblem(res)).toEqual(['id']);
    }
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it('answers 404 for an unknown id on GET, PATCH and DELETE, and changes nothing', async () => {
    const before = await countRows(t, 'stations');
    const path = `/stations/${UNKNOWN_ID}`;
    expectProblem(await v1(t).get(path), 404);
    expectProblem(await v1(t).patch(path).send({ name: 'x' }), 404);
    expectProblem(await v1(t).delete(path), 404);
    expect(await countRows(t, 'stations')).toBe(before);
  });

  // ---------------------------------------------------------------- PATCH

  it('PATCH changes the given fields only and bumps updatedAt', async () => {
    const created = await createStation(t, { name: 'Old name' });

    const res = await v1(t)
      .patch(`/stations/${created.id}`)
      .send({ name: 'New name', timezone: 'UTC', elevationM: 9000 })
      .expect(200);

    expect(res.body).toEqual({
      ...created,
      name: 'New name',
      timezone: 'UTC',
      elevationM: 9000,
      updatedAt: expect.any(String),
    });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    expect(await storedRow(created.id)).toMatchObject({
      code: created.code,
      name: 'New name',
      timezone: 'UTC',
      elevation_m: 9000,
    });
  });

  it.each([
    ['id', UNKNOWN_ID],
    ['ownerId', UNKNOWN_ID],
    ['createdAt', '2020-01-01T00:00:00Z'],
    ['updatedAt', '2020-01-01T00:00:00Z'],
  ])('PATCH cannot change %s: 400 and the row is unchanged', async (field, value) => {
    const created = await createStation(t);
    const stored = await storedRow(created.id);

    const res = await v1(t)
      .patch(`/stations/${created.id}`)
      .send({ name: 'Sneaky', [field]: value });

    expect(expectValidationProblem(res)).toEqual([field]);
    expect(await storedRow(created.id)).toEqual(stored);
  });

  it.each([
    ['latitude', 90.0001],
    ['code', 'ab'],
    ['timezone', 'Mars/Olympus'],
    ['name', ''],
  ])('PATCH validates %s = %j like POST: 400 and the row is unchanged', async (field, value) => {
    const created = await createStation(t);
    const stored = await storedRow(created.id);

    const res = await v1(t)
      .patch(`/stations/${created.id}`)
      .send({ [field]: value });

    expect(expectValidationProblem(res)).toEqual([field]);
    expect(await storedRow(created.id)).toEqual(stored);
  });

  it('PATCH to a code another station has is a 409 problem and changes nothing', async () => {
    const taken = await createStation(t);
    const created = await createStation(t);
    const stored = await storedRow(created.id);

    const res = await v1(t).patch(`/stations/${created.id}`).send({ code: taken.code });

    expect(expectProblem(res, 409).type).toBe('urn:weather-api:problem:conflict');
    expect(await storedRow(created.id)).toEqual(stored);
  });

  // ---------------------------------------------------------------- DELETE

  it('DELETE answers 204 and removes the station with its observations only', async () => {
    const doomed = await createStation(t);
    const kept = await createStation(t);
    const at = new Date(Date.now() - 3_600_000);
    await ingest(t, doomed.id, [
      observationBody(at),
      observationBody(new Date(at.getTime() + 60_000)),
    ]);
    await ingest(t, kept.id, observationBody(at));
    const stationsBefore = await countRows(t, 'stations');
    const observationsBefore = await countRows(t, 'observations');

    const res = await v1(t).delete(`/stations/${doomed.id}`).expect(204);

    expect(res.text).toBe('');
    expect(await countRows(t, 'stations')).toBe(stationsBefore - 1);
    expect(await countRows(t, 'observations', doomed.id)).toBe(0);
    expect(await countRows(t, 'observations', kept.id)).toBe(1);
    expect(await countRows(t, 'observations')).toBe(observationsBefore - 2);
    expectProblem(await v1(t).get(`/stations/${doomed.id}`), 404);
    expectProblem(await v1(t).delete(`/stations/${doomed.id}`), 404);
  });
});

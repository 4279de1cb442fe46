import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countRows } from './support/database';
import { v1 } from './support/http';
import { ingest, observationBody, timeSeries } from './support/observations';
import { expectProblem } from './support/problems';
import { createStation, stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

const MINUTE = 60_000;

// This file tests the embedded database (PGlite on disk) only. With DATABASE_URL set, the app
// uses that PostgreSQL server instead and PGLITE_DATA_DIR is ignored, so there is nothing to test.
const describeEmbedded = process.env.DATABASE_URL ? describe.skip : describe;

describeEmbedded('persistence of the embedded database (e2e)', () => {
  const dataDirs: string[] = [];
  /** Apps still running when a test fails half-way; closed in afterEach. */
  const running = new Set<TestApp>();

  function freshDataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'weather-api-pglite-'));
    dataDirs.push(dir);
    return dir;
  }

  async function start(dataDir: string): Promise<TestApp> {
    const app = await startTestApp({ PGLITE_DATA_DIR: dataDir });
    running.add(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    running.delete(app);
    await app.close();
  }

  afterEach(async () => {
    for (const app of running) await stop(app);
  });
  afterAll(() => {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps stations, observations and constraints across a restart on the same PGLITE_DATA_DIR', async () => {
    const dataDir = freshDataDir();
    const from = new Date(Math.floor((Date.now() - 2 * 86_400_000) / MINUTE) * MINUTE);
    const times = timeSeries(from, 3, MINUTE);
    const window = {
      from: from.toISOString(),
      to: new Date(from.getTime() + 10 * MINUTE).toISOString(),
    };

    const first = await start(dataDir);
    const station = await createStation(first, { name: 'Survivor' });
    await ingest(
      first,
      station.id,
      times.map((at, i) => observationBody(at, { temperatureC: i })),
    );
    expect(await countRows(first, 'stations')).toBe(1);
    expect(await countRows(first, 'observations')).toBe(3);
    await stop(first);

    const second = await start(dataDir);

    expect(await countRows(second, 'stations')).toBe(1);
    expect(await countRows(second, 'observations')).toBe(3);
    expect((await v1(second).get(`/stations/${station.id}`).expect(200)).body).toEqual(station);
    const list = await v1(second)
      .get(`/stations/${station.id}/observations`)
      .query(window)
      .expect(200);
    expect(
      (list.body.data as { observedAt: string; temperatureC: number }[]).map((o) => [
        o.observedAt,
        o.temperatureC,
      ]),
    ).toEqual(times.map((at, i) => [at.toISOString(), i]));

    // The schema came back with the data: unique keys still hold, new writes still work.
    expectProblem(
      await v1(second)
        .post('/stations')
        .send(stationBody({ code: station.code })),
      409,
    );
    expectProblem(
      await v1(second).post(`/stations/${station.id}/observations`).send(observationBody(times[0])),
      409,
    );
    await v1(second)
      .post(`/stations/${station.id}/observations`)
      .send(observationBody(new Date(from.getTime() + 5 * MINUTE)))
      .expect(201);
    expect(await countRows(second, 'stations')).toBe(1);
    expect(await countRows(second, 'observations')).toBe(4);
  });

  it('keeps data per directory: an app on another fresh directory starts empty', async () => {
    const used = await start(freshDataDir());
    await createStation(used);
    expect(await countRows(used, 'stations')).toBe(1);
    await stop(used);

    const other = await start(freshDataDir());

    expect(await countRows(other, 'stations')).toBe(0);
    const res = await v1(other).get('/stations').expect(200);
    expect(res.body).toEqual({ data: [], page: { limit: 20, offset: 0, total: 0 } });
  });
});

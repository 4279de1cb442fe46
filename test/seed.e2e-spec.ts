import request from 'supertest';
import { DemoSeedService } from '../src/weather/seed/demo-seed.service';
import { DEMO_DAYS, DEMO_STATIONS } from '../src/weather/seed/demo-data';
import { TestApp, startTestApp } from './support/test-app';

describe('demo data (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SEED_DEMO_DATA: 'true' });
  });
  afterAll(() => t.close());

  const temperatures = async (): Promise<number[]> =>
    (
      await t.dataSource.query<Array<{ t: number }>>(
        `SELECT o.temperature_c AS t FROM observations o JOIN stations s ON s.id = o.station_id
          ORDER BY s.code, o.observed_at`,
      )
    ).map((r) => r.t);

  it('seeds the demo stations with hourly observations on the first start', async () => {
    const [{ stations, observations }] = await t.dataSource.query<
      Array<{ stations: number; observations: number }>
    >(
      `SELECT (SELECT count(*)::int FROM stations) AS stations, (SELECT count(*)::int FROM observations) AS observations`,
    );
    expect(stations).toBe(DEMO_STATIONS.length);
    expect(observations).toBe(DEMO_STATIONS.length * DEMO_DAYS * 24);
    const all = await temperatures();
    // Plausible: within the station climates, and a real daily curve (not a constant).
    expect(Math.min(...all)).toBeGreaterThan(-20);
    expect(Math.max(...all)).toBeLessThan(40);
    expect(new Set(all).size).toBeGreaterThan(50);
  });

  it('reseeding is deterministic and keeps the station rows, so keys bound to them survive', async () => {
    const station = (await request(t.server).get('/v1/stations?code=BER_TEGEL').set(t.auth)).body
      .data[0];
    const key = await request(t.server)
      .post('/v1/api-keys')
      .set(t.auth)
      .send({ name: 'logger', scopes: ['observations:read'], resourceId: station.id });
    expect(key.status).toBe(201);
    const end = new Date('2026-11-20T12:00:00Z');
    await t.app.get(DemoSeedService).seed(end);
    const first = await temperatures();

    await t.app.get(DemoSeedService).seed(end);

    expect(await temperatures()).toEqual(first);
    const read = await request(t.server)
      .get(`/v1/stations/${station.id}/observations/latest`)
      .set('X-API-Key', key.body.key);
    expect(read.status).toBe(200);
  });
});

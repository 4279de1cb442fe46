import request from 'supertest';
import { countWhere } from '../support/database';
import { OwnRedis, REDIS_SERVER_AVAILABLE } from '../support/outages';
import { expectUnavailable } from '../support/problems';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * Redis (REDIS_URL, the shared rate-limit store) stopped and started under a running app: a
 * redis-server of this test's own on its own port, killed like a crash and started again on the
 * same port. Skipped, with a message, where redis-server is not installed.
 */
const describeWithRedisServer = REDIS_SERVER_AVAILABLE ? describe : describe.skip;
if (!REDIS_SERVER_AVAILABLE) console.warn('redis-outage: redis-server not on PATH, skipped');

describeWithRedisServer('Redis outage (e2e)', () => {
  let redis: OwnRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    t = await startTestApp({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('liveness 200, readiness 503 naming redis, API 503 + Retry-After (fail closed); recovers by itself', async () => {
    expect((await request(t.server).get('/v1/stations').set(t.auth)).status).toBe(200);
    expect((await request(t.server).get('/health/ready')).status).toBe(200);

    await redis.stop();
    const before = await countWhere(t, 'stations');

    const live = await request(t.server).get('/health/live');
    expect({ status: live.status, body: live.body }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });

    const ready = await request(t.server).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(ready.body)).toMatch(/redis/);

    expectUnavailable(await request(t.server).get('/v1/stations').set(t.auth));
    // A write is refused before it runs: nothing reaches the database.
    const write = await request(t.server)
      .post('/v1/stations')
      .set(t.auth)
      .send(stationBody({ code: 'REDIS_DOWN' }));
    expectUnavailable(write);
    // Anonymous callers meet the IP limiter first, and are refused the same way (not 401/500).
    expectUnavailable(await request(t.server).get('/v1/stations'));
    expect(await countWhere(t, 'stations')).toBe(before);

    await redis.start();
    await waitFor(
      'the app to use Redis again',
      async () => (await request(t.server).get('/v1/stations').set(t.auth)).status === 200,
    );
    expect((await request(t.server).get('/health/ready')).status).toBe(200);
    const created = await request(t.server)
      .post('/v1/stations')
      .set(t.auth)
      .send(stationBody({ code: 'REDIS_BACK' }));
    expect(created.status).toBe(201);
  });
});

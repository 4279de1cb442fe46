import request from 'supertest';
import { stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

// Two app instances need one shared database: a PostgreSQL server. (Embedded PGlite belongs to
// one process, so this file only runs when DATABASE_URL is set, as in CI's second pass.)
const onServer = process.env.DATABASE_URL ? describe : describe.skip;

onServer('audit chain with two app instances on one database (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ DATABASE_URL: a.config.database.url });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('interleaved writes from both instances form one valid chain', async () => {
    const writes = Array.from({ length: 60 }, (_, i) => {
      const t = i % 2 === 0 ? a : b;
      return request(t.server)
        .post('/v1/stations')
        .set(t.auth)
        .send(stationBody({ code: `MULTI_${String(i).padStart(3, '0')}` }));
    });
    const statuses = (await Promise.all(writes)).map((res) => res.status);
    expect(statuses.every((status) => status === 201)).toBe(true);

    const [{ created }] = await a.dataSource.query<Array<{ created: number }>>(
      `SELECT count(*)::int AS created FROM audit_log WHERE action = 'station.created'`,
    );
    expect(created).toBe(60);
    const [{ total }] = await a.dataSource.query<Array<{ total: number }>>(
      'SELECT count(*)::int AS total FROM audit_log',
    );
    for (const t of [a, b]) {
      const verify = await request(t.server).get('/v1/audit-logs/verify').set(t.auth);
      expect(verify.body).toMatchObject({ valid: true, checked: total, firstInvalidId: null });
    }
  });
});

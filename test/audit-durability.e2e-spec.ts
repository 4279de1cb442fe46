import request from 'supertest';
import { stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

describe('a change never exists without its audit record (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const count = async (table: string): Promise<number> =>
    (await t.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table}`))[0]
      .n;

  it('when the audit insert fails, the request fails and its change is rolled back', async () => {
    // Make every audit insert fail, as a full disk or a broken audit table would.
    await t.dataSource.query(
      'ALTER TABLE audit_log ADD CONSTRAINT audit_refuses CHECK (false) NOT VALID',
    );
    const stations = await count('stations');
    const res = await request(t.server)
      .post('/v1/stations')
      .set(t.auth)
      .send(stationBody({ code: 'DURABLE_1' }));
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await count('stations')).toBe(stations);

    await t.dataSource.query('ALTER TABLE audit_log DROP CONSTRAINT audit_refuses');
    const again = await request(t.server)
      .post('/v1/stations')
      .set(t.auth)
      .send(stationBody({ code: 'DURABLE_1' }));
    expect(again.status).toBe(201);
    expect(await count('stations')).toBe(stations + 1);
    const [record] = await t.dataSource.query<Array<{ resource_id: string }>>(
      `SELECT resource_id FROM audit_log WHERE action = 'station.created'`,
    );
    expect(record.resource_id).toBe(again.body.id);
  });
});

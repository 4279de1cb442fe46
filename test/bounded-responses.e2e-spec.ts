import request from 'supertest';
import { TestApp, startTestApp } from './support/test-app';

/** Every list and every error body has a documented upper bound, and the app keeps it. */
describe('bounded responses (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('pages the API-key list: limit, offset and total', async () => {
    for (const name of ['a', 'b', 'c']) {
      const res = await request(t.server)
        .post('/v1/api-keys')
        .set(t.auth)
        .send({ name, scopes: ['stations:read'] });
      expect(res.status).toBe(201);
    }
    const first = await request(t.server).get('/v1/api-keys?limit=2').set(t.auth);
    expect(first.status).toBe(200);
    const names = (res: request.Response) =>
      (res.body.data as Array<{ name: string }>).map((k) => k.name);
    expect(names(first)).toEqual(['a', 'b']);
    expect(first.body.page).toEqual({ limit: 2, offset: 0, total: 3 });
    const rest = await request(t.server).get('/v1/api-keys?limit=2&offset=2').set(t.auth);
    expect(names(rest)).toEqual(['c']);
    expect((await request(t.server).get('/v1/api-keys?limit=101').set(t.auth)).status).toBe(400);
  });

  it('pages the user list', async () => {
    const res = await request(t.server).get('/v1/users?limit=1').set(t.auth);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.page).toEqual({ limit: 1, offset: 0, total: 1 });
    expect((await request(t.server).get('/v1/users?offset=-1').set(t.auth)).status).toBe(400);
  });

  it('caps the field errors a body of thousands of unknown keys can produce', async () => {
    const body: Record<string, number> = {};
    for (let i = 0; i < 2000; i += 1) body[`unknown_${i}`] = i;
    body['k'.repeat(5000)] = 1;
    const res = await request(t.server).post('/v1/stations').set(t.auth).send(body);
    expect(res.status).toBe(400);
    const errors = res.body.errors as Array<{ field: string; messages: string[] }>;
    expect(errors).toHaveLength(50);
    for (const error of errors) {
      expect(error.field.length).toBeLessThanOrEqual(200);
      for (const message of error.messages) expect(message.length).toBeLessThanOrEqual(300);
    }
  });

  it('limits API-key usage reports to 31 days, so the hourly rows stay bounded', async () => {
    const key = (await request(t.server).get('/v1/api-keys?limit=1').set(t.auth)).body.data[0] as {
      id: string;
    };
    const wide = await request(t.server)
      .get(`/v1/api-keys/${key.id}/usage?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`)
      .set(t.auth);
    expect(wide.status).toBe(400);
    const ok = await request(t.server)
      .get(`/v1/api-keys/${key.id}/usage?from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z`)
      .set(t.auth);
    expect(ok.status).toBe(200);
  });
});

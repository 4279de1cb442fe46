import request from 'supertest';
import { TestApp, startTestApp } from './support/test-app';

describe('health (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET /health/live answers without touching the database', async () => {
    const res = await request(t.server).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready pings the database', async () => {
    const res = await request(t.server).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.database.status).toBe('up');
  });

  it('readiness fails with 503 when the database is gone', async () => {
    const other = await startTestApp();
    await other.dataSource.destroy();
    const res = await request(other.server).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    await other.app.close();
  });
});

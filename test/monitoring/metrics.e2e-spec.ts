import request from 'supertest';
import { MetricsServer } from '../../src/security/monitoring/metrics.server';
import { apiKeyHeader, createKey } from '../support/api-keys';
import { flushAudit } from '../support/audit';
import { sampleOf, scrape } from '../support/metrics';
import { logout, signedInUser } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';
import { stationBody } from '../support/stations';

/**
 * The whole app with its metrics listener (METRICS_PORT=0: a free loopback port): the attacks
 * of the other suites show up as the security signals an operator alerts on, labelled by
 * reason and route, never by user, key or address.
 */
describe('metrics of the whole app (e2e)', () => {
  let t: TestApp;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0', RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: '2' });
    url = `http://127.0.0.1:${t.app.get(MetricsServer).address()!.port}`;
  });

  afterAll(async () => {
    await t.close();
  });

  async function metrics(): Promise<string> {
    await flushAudit(t);
    return scrape(url);
  }

  it('is not served on the API port', async () => {
    const res = await request(t.server).get('/metrics');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('http_requests_total');
  });

  it('counts failed logins, and the locked account, by reason', async () => {
    const victim = await signedInUser(t, 'viewer', { signIn: false });
    for (let i = 0; i < 3; i += 1) {
      await request(t.server)
        .post('/v1/auth/login')
        .send({ email: victim.email, password: 'not-the-password-1234' });
    }
    const text = await metrics();
    const password = { credential: 'password' };
    expect(sampleOf(text, 'auth_failures_total', { ...password, reason: 'bad_password' })).toBe(2);
    expect(sampleOf(text, 'auth_failures_total', { ...password, reason: 'locked' })).toBe(1);
    expect(sampleOf(text, 'throttled_requests_total', { limit: 'login-email' })).toBe(1);
    expect(text).not.toContain(victim.email);
  });

  it('counts refused credentials by kind and reason: none, bad key, bad token, revoked', async () => {
    const before = await metrics();
    const operator = await signedInUser(t, 'operator', { fromAnyIp: true });
    await request(t.server).get('/v1/stations').expect(401);
    await request(t.server).get('/v1/stations').set('X-API-Key', 'wxk_garbage').expect(401);
    await request(t.server)
      .get('/v1/stations')
      .set('Authorization', 'Bearer not.a.jwt')
      .expect(401);
    await logout(t, operator.auth).expect(204);
    await request(t.server).get('/v1/stations').set(operator.auth).expect(401);
    const after = await metrics();
    const delta = (labels: Record<string, string>) =>
      sampleOf(after, 'auth_failures_total', labels) -
      sampleOf(before, 'auth_failures_total', labels);
    expect(delta({ credential: 'none', reason: 'no_credential' })).toBe(1);
    expect(delta({ credential: 'api-key', reason: 'bad_key' })).toBe(1);
    expect(delta({ credential: 'jwt', reason: 'bad_token' })).toBe(1);
    expect(delta({ credential: 'jwt', reason: 'revoked' })).toBe(1);
  });

  it('counts a rotated-out key secret after its grace period as its own reason', async () => {
    const before = await metrics();
    const key = await createKey(t, t.auth, { scopes: ['observations:read'] });
    await request(t.server).post(`/v1/api-keys/${key.id}/rotate`).set(t.auth).expect(201);
    // The grace period ends now: the old secret is refused, and counted as rotated out.
    await t.dataSource.query(
      `UPDATE api_keys SET previous_expires_at = now() - interval '1 second' WHERE id = $1`,
      [key.id],
    );
    await request(t.server).get('/v1/stations').set(key.auth).expect(401);
    const after = await metrics();
    const labels = { credential: 'api-key', reason: 'rotated_out' };
    expect(
      sampleOf(after, 'auth_failures_total', labels) -
        sampleOf(before, 'auth_failures_total', labels),
    ).toBe(1);
    expect(after).not.toContain(key.keyId);
  });

  it('counts authorization denials by route template and requests by status class', async () => {
    const viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
    await request(t.server).post('/v1/stations').set(viewer.auth).send(stationBody()).expect(403);
    await request(t.server).get('/v1/stations/00000000-0000-4000-8000-000000000000').set(t.auth);
    const text = await metrics();
    expect(sampleOf(text, 'authorization_denials_total', { route: '/v1/stations' })).toBe(1);
    expect(
      sampleOf(text, 'http_requests_total', {
        route: '/v1/stations',
        method: 'POST',
        status_class: '4xx',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleOf(text, 'http_requests_total', { route: '/v1/stations/:id' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(text).not.toContain(viewer.id);
  });

  it('reports the principal cache: hits and misses, changes by kind, the channel up', async () => {
    const before = await metrics();
    const key = await createKey(t, t.auth, { scopes: ['stations:read'] });
    for (let i = 0; i < 3; i += 1) {
      await request(t.server).get('/v1/stations').set(key.auth).expect(200);
    }
    await request(t.server).delete(`/v1/api-keys/${key.id}`).set(t.auth).expect(204);
    await request(t.server).get('/v1/stations').set(key.auth).expect(401);
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleOf(after, name, labels) - sampleOf(before, name, labels);
    // The first use reads the key (a miss), the next ones are answered from memory.
    expect(delta('principal_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(delta('principal_cache_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(2);
    // The revocation reached the cache through the database's change feed.
    expect(
      delta('principal_cache_invalidations_total', { kind: 'api_key' }),
    ).toBeGreaterThanOrEqual(1);
    expect(delta('auth_failures_total', { credential: 'api-key', reason: 'revoked' })).toBe(1);
    expect(sampleOf(after, 'principal_cache_channel_up')).toBe(1);
    expect(sampleOf(after, 'principal_cache_lookups_total', { result: 'bypassed' })).toBe(0);
    expect(after).not.toContain(key.keyId);
  });

  it('counts a refusal of a cached key as the same refusal as one read from the database', async () => {
    const before = await metrics();
    const key = await createKey(t, t.auth, { scopes: ['stations:read'] });
    const wrongSecret = apiKeyHeader(`wxk_${key.keyId}_${'A'.repeat(43)}`);
    // Cold: the record is read, the secret does not match.
    await request(t.server).get('/v1/stations').set(wrongSecret).expect(401);
    await request(t.server).get('/v1/stations').set(key.auth).expect(200); // now cached
    const warm = await metrics();
    await request(t.server).get('/v1/stations').set(wrongSecret).expect(401);
    const after = await metrics();
    const badKey = { credential: 'api-key', reason: 'bad_key' };
    const hit = { result: 'hit' };
    expect(sampleOf(warm, 'auth_failures_total', badKey)).toBe(
      sampleOf(before, 'auth_failures_total', badKey) + 1,
    );
    // Warm: answered from the cache (a hit), and refused for the same reason.
    expect(sampleOf(after, 'principal_cache_lookups_total', hit)).toBeGreaterThan(
      sampleOf(warm, 'principal_cache_lookups_total', hit),
    );
    expect(sampleOf(after, 'auth_failures_total', badKey)).toBe(
      sampleOf(warm, 'auth_failures_total', badKey) + 1,
    );
  });

  it('counts a request no route matched as unmatched, never by its path', async () => {
    const before = await metrics();
    await request(t.server).get('/no/such/route-4711').set(t.auth).expect(404);
    const after = await metrics();
    const unmatched = { route: 'unmatched', method: 'GET', status_class: '4xx' };
    expect(
      sampleOf(after, 'http_requests_total', unmatched) -
        sampleOf(before, 'http_requests_total', unmatched),
    ).toBe(1);
    expect(after).not.toContain('route-4711');
    // Express: the catch-all of module middleware is not the request's route.
    expect(after).not.toContain('{*path}');
  });

  it('reports the audit pipeline and the database pool', async () => {
    const text = await metrics();
    expect(sampleOf(text, 'audit_records_written_total')).toBeGreaterThan(0);
    expect(sampleOf(text, 'audit_records_dropped_total')).toBe(0);
    expect(text).toMatch(/^audit_records_pending \d+$/m);
    expect(sampleOf(text, 'db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
  });
});

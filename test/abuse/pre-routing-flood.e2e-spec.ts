import request from 'supertest';
import { flushAudit } from '../support/audit';
import { fromIp, uniqueIp } from '../support/http';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * What is refused before any route runs (malformed JSON, a non-JSON body, an oversized one, an
 * unknown path) used to bypass every rate limit, and each malformed body added an audit row:
 * 3,000 `POST /v1/auth/refresh` with the body `{` gave 3,000 rows and not one 429. Now the
 * per-IP limit counts them in front of the parser, in the same budget as routed requests.
 */
const LIMIT = 20;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: 'loopback', RATE_LIMIT_IP_PER_MINUTE: String(LIMIT) });
});
afterAll(() => t.close());

const malformed = (ip: string) =>
  request(t.server)
    .post('/v1/auth/refresh')
    .set(fromIp(ip))
    .set('Content-Type', 'application/json')
    .send('{');

async function auditRowCount(): Promise<number> {
  await flushAudit(t);
  const [row] = await t.dataSource.query<Array<{ n: number }>>(
    'SELECT count(*)::int AS n FROM audit_log',
  );
  return row.n;
}

it('a flood of malformed bodies ends in 429 problem+json with Retry-After, and adds a bounded number of audit rows', async () => {
  const ip = uniqueIp();
  const before = await auditRowCount();
  const started = Date.now();
  const statuses: number[] = [];
  for (let i = 0; i < 200; i += 1) statuses.push((await malformed(ip)).status);
  expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(400));
  expect(statuses.slice(LIMIT)).toEqual(Array(200 - LIMIT).fill(429));
  const refused = await malformed(ip);
  expect(refused.status).toBe(429);
  expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(refused.headers['x-ratelimit-remaining-ip']).toBe('0');
  expect(refused.headers['content-security-policy']).toContain("default-src 'none'");
  // Folded per client, reason and flush window (1 s): at most one 400 and one 429 record per
  // window the flood lasted, however many requests it sent.
  const windows = Math.ceil((Date.now() - started) / 1000) + 1;
  const rows = (await auditRowCount()) - before;
  expect(rows).toBeLessThanOrEqual(2 * windows);
  expect(rows).toBeLessThan(statuses.length / 4);
});

it.each([
  [
    'a non-JSON body (415)',
    (ip: string) =>
      request(t.server)
        .post('/v1/stations')
        .set(fromIp(ip))
        .set('Content-Type', 'text/plain')
        .send('x'),
  ],
  [
    'an oversized body (413)',
    (ip: string) =>
      request(t.server)
        .post('/v1/auth/login')
        .set(fromIp(ip))
        .send({ pad: 'x'.repeat(150 * 1024) }),
  ],
  [
    'an unknown path (404)',
    (ip: string) => request(t.server).get('/v1/nothing-here').set(fromIp(ip)),
  ],
])('%s spends the same per-IP budget as routed requests', async (_name, send) => {
  const ip = uniqueIp();
  for (let i = 0; i < LIMIT; i += 1) expect((await send(ip)).status).not.toBe(429);
  expect((await send(ip)).status).toBe(429);
  // One budget: a routed request from the same client is refused too...
  expect((await request(t.server).get('/health/live').set(fromIp(ip))).status).toBe(429);
  // ...and another client is untouched.
  expect((await request(t.server).get('/health/live').set(fromIp(uniqueIp()))).status).toBe(200);
});

it('a routed request is counted once, not twice (pre-routing and the guard)', async () => {
  const ip = uniqueIp();
  const first = await request(t.server).get('/health/live').set(fromIp(ip)).expect(200);
  expect(first.headers['x-ratelimit-remaining-ip']).toBe(String(LIMIT - 1));
  const second = await request(t.server).get('/health/live').set(fromIp(ip)).expect(200);
  expect(second.headers['x-ratelimit-remaining-ip']).toBe(String(LIMIT - 2));
});

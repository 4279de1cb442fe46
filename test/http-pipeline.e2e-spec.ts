import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type { Response } from 'supertest';
import { auditRows, flushAudit, waitForAuditOf } from './support/audit';
import { countRows } from './support/database';
import { v1 } from './support/http';
import { expectNoLeaks } from './support/leaks';
import { ingest, observationBody } from './support/observations';
import { PROBLEM_CONTENT_TYPE, expectProblem, expectValidationProblem } from './support/problems';
import { createStation, stationBody } from './support/stations';
import { TEST_ADMIN, TestApp, startTestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11';
const ALLOWED_ORIGIN = 'https://app.example';
const GENERIC_500 = 'An unexpected error occurred. Quote the requestId when reporting it.';

/** The headers every response carries, API policy (not the /docs one). */
function expectApiSecurityHeaders(res: Response): void {
  const csp = res.headers['content-security-policy'];
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  const hsts = /max-age=(\d+)/.exec(res.headers['strict-transport-security'] ?? '');
  expect(Number(hsts?.[1])).toBeGreaterThanOrEqual(31_536_000);
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-request-id']).toEqual(expect.any(String));
}

function expectNoCorsGrant(res: Response): void {
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
}

describe('HTTP pipeline (e2e)', () => {
  let t: TestApp;
  /** The same app with CORS_ORIGINS set, as an operator would configure it. */
  let cors: TestApp;
  let stationId: string;
  let takenCode: string;

  beforeAll(async () => {
    // Sequential, `t` last: passport keeps one 'jwt' strategy per process, so only the app
    // started last verifies its own tokens (see the report). The CORS app is therefore only
    // asked things that need no credential check: preflights and the public health probe.
    cors = await startTestApp({ CORS_ORIGINS: ALLOWED_ORIGIN });
    t = await startTestApp();
    const station = await createStation(t);
    stationId = station.id;
    takenCode = station.code;
  });
  afterAll(async () => {
    await t.close();
    await cors.close();
  });

  // ---------------------------------------------------------------- problem+json

  it.each<[string, number, () => request.Test]>([
    ['an unknown route', 404, () => request(t.server).get('/nope')],
    ['an unknown /v1 route', 404, () => v1(t).get('/nope')],
    ['a method without a route', 404, () => v1(t).delete('/stations')],
    ['a malformed path id', 400, () => v1(t).get('/stations/not-a-uuid')],
    ['an unknown station', 404, () => v1(t).get(`/stations/${UNKNOWN_ID}`)],
    ['an invalid body', 400, () => v1(t).post('/stations').send({})],
    ['an invalid query', 400, () => v1(t).get('/stations?limit=0')],
    [
      'a duplicate',
      409,
      () =>
        v1(t)
          .post('/stations')
          .send(stationBody({ code: takenCode })),
    ],
    [
      'a text/plain body',
      415,
      () => v1(t).post('/stations').set('Content-Type', 'text/plain').send('x'),
    ],
    [
      'malformed JSON',
      400,
      () => v1(t).post('/stations').set('Content-Type', 'application/json').send('{'),
    ],
    [
      'a too large body',
      413,
      () =>
        v1(t)
          .post('/stations')
          .send({ name: 'x'.repeat(200_000) }),
    ],
  ])(
    'answers %s with a complete problem+json (%i) and the API headers',
    async (_label, status, send) => {
      const res = await send();
      const problem = expectProblem(res, status);
      expect(problem.requestId).toMatch(UUID);
      expect(problem.instance).toMatch(/^\/[^?]*$/);
      expect(problem.detail.length).toBeGreaterThan(0);
      expectApiSecurityHeaders(res);
    },
  );

  it('puts the path, without the query string, in instance', async () => {
    const res = await v1(t).get('/stations?limit=0&name=secret');
    expect(expectProblem(res, 400).instance).toBe('/v1/stations');
  });

  // ---------------------------------------------------------------- body gate

  it('answers 413 for a 200 kB JSON body and writes nothing', async () => {
    const before = await countRows(t, 'stations');
    const res = await v1(t)
      .post('/stations')
      .send(stationBody({ name: 'x'.repeat(200_000) }));
    expect(expectProblem(res, 413).detail).toBe('The request body exceeds the size limit.');
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it('answers 400, not 500, for a body nested thousands of levels deep, and writes nothing', async () => {
    const levels = 15_000; // ~75 kB: under the size limit, far over any real DTO's depth
    const body = '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const before = await countRows(t, 'stations');
    for (const path of ['/v1/stations', '/v1/auth/login']) {
      const res = await request(t.server)
        .post(path)
        .set(t.auth)
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
      expect(JSON.stringify(res.body)).toContain('nested more than');
    }
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it('answers 413 for a 200 kB observation batch and writes none of it', async () => {
    const before = await countRows(t, 'observations');
    const start = Date.now() - 86_400_000;
    const batch = Array.from({ length: 400 }, (_, i) =>
      observationBody(new Date(start + i * 60_000), { padding: 'x'.repeat(500) }),
    );
    const res = await v1(t).post(`/stations/${stationId}/observations`).send(batch);
    expectProblem(res, 413);
    expect(await countRows(t, 'observations')).toBe(before);
  });

  it.each([
    ['text/plain', JSON.stringify(stationBody())],
    ['application/x-www-form-urlencoded', 'code=FORM1&name=x&latitude=1'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nA\r\n--x--',
    ],
    ['application/xml', '<station><code>XML1</code></station>'],
    ['application/json; charset=utf-16le', Buffer.from(JSON.stringify(stationBody()), 'utf16le')],
    ['application/json; charset=iso-8859-1', JSON.stringify(stationBody({ name: 'Caf\u00e9' }))],
    ['application/json; charset="UTF-32"', JSON.stringify(stationBody())],
  ])('answers 415 for a %s body and writes nothing', async (contentType, body) => {
    const before = await countRows(t, 'stations');
    const res = await v1(t).post('/stations').set('Content-Type', contentType).send(body);
    expect(expectProblem(res, 415).detail).toBe(
      'Request bodies must be application/json in UTF-8.',
    );
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it.each(['application/json; charset=utf-8', 'application/json; charset="UTF-8"'])(
    'accepts an explicit UTF-8 charset (%s)',
    async (contentType) => {
      const res = await v1(t)
        .post('/stations')
        .set('Content-Type', contentType)
        .send(JSON.stringify(stationBody()));
      expect(res.status).toBe(201);
    },
  );

  it('stores and answers a path id sent in upper case in its canonical lower-case form', async () => {
    const station = await createStation(t);
    const res = await v1(t)
      .patch(`/stations/${station.id.toUpperCase()}`)
      .send({ name: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: station.id, name: 'Renamed' });
  });

  it.each([
    ['a truncated object', '{"code": "MAL1", "name": "secret-marker'],
    ['a trailing comma', '{"code": "MAL1",}'],
    ['single quotes', "{'code': 'MAL1'}"],
    ['a bare word', 'secret-marker'],
    ['a top-level string (strict mode)', '"secret-marker"'],
  ])('answers malformed JSON (%s) with 400 that does not echo the parser', async (_label, json) => {
    const before = await countRows(t, 'stations');
    const res = await v1(t).post('/stations').set('Content-Type', 'application/json').send(json);
    const problem = expectProblem(res, 400);
    expect(problem.type).toBe('urn:weather-api:problem:malformed-json');
    expect(problem.detail).toBe('The request body is not valid JSON.');
    for (const internal of ['Unexpected', 'position', 'JSON', 'SyntaxError', 'secret-marker']) {
      expect(res.text.replace('not valid JSON', '')).not.toContain(internal);
    }
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it('answers TRACE with 404 or 405, never echoing the request', async () => {
    const res = await v1(t).trace('/stations').set('X-Secret', 'secret-marker');
    expect([404, 405]).toContain(res.status);
    expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    expect(res.text).not.toContain('secret-marker');
  });

  // ---------------------------------------------------------------- request id

  it('gives every response an X-Request-Id, a fresh UUID by default', async () => {
    const responses = [
      await request(t.server).get('/health/live').expect(200),
      await v1(t).get('/stations').expect(200),
      await v1(t).get('/nope').expect(404),
    ];
    const ids = responses.map((res) => res.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(['abc-123', 'a.b:c_d-1', 'a'.repeat(64)])(
    'a client request id %j never becomes ours: a new UUID answers, on success and in problems',
    async (id) => {
      const ok = await v1(t).get('/stations').set('X-Request-Id', id).expect(200);
      expect(ok.headers['x-request-id']).toMatch(UUID);
      const failed = await v1(t).get('/stations/nope').set('X-Request-Id', id);
      expect(failed.headers['x-request-id']).toMatch(UUID);
      expect(expectProblem(failed, 400).requestId).toBe(failed.headers['x-request-id']);
    },
  );

  it('an anonymous request cannot take an admin request’s id in the audit log', async () => {
    // The admin's login is recorded under the id the server gave it...
    const login = await request(t.server).post('/v1/auth/login').send(TEST_ADMIN).expect(200);
    const adminId = login.headers['x-request-id'];
    // ...and an attacker replays that id on a request that is audited (a denial).
    const forged = await v1(t)
      .get('/stations')
      .set('Authorization', 'Bearer forged')
      .set('X-Request-Id', adminId);
    expect(forged.status).toBe(401);
    expect(forged.headers['x-request-id']).not.toBe(adminId);
    await flushAudit(t);
    const underAdminId = await auditRows(t, { requestId: adminId });
    expect(underAdminId.map((row) => row.action)).toEqual(['auth.login.succeeded']);
    // The client's value is kept, as the client's, in the denial's details.
    const [denial] = await waitForAuditOf(t, forged);
    expect(denial.details).toMatchObject({ clientRequestId: adminId });
  });

  it.each([
    'x'.repeat(200),
    'a'.repeat(65),
    '<script>alert(1)</script>',
    'has spaces',
    'id;rm -rf /',
    '${jndi:ldap://x}',
    '../../etc/passwd',
  ])('replaces the unsafe client request id %j with a UUID', async (id) => {
    const res = await v1(t).get('/stations/nope').set('X-Request-Id', id);
    const chosen = res.headers['x-request-id'];
    expect(chosen).toMatch(UUID);
    expect(expectProblem(res, 400).requestId).toBe(chosen);
    expect(res.text).not.toContain(id);
  });

  // ---------------------------------------------------------------- security headers

  it.each<[string, number, () => request.Test]>([
    ['a /v1 success', 200, () => v1(t).get('/stations')],
    ['a /v1 creation', 201, () => v1(t).post('/stations').send(stationBody())],
    ['a /v1 error', 404, () => v1(t).get(`/stations/${UNKNOWN_ID}`)],
    ['a 415 raised before routing', 415, () => v1(t).post('/stations').type('form').send('a=b')],
    ['an unknown route', 404, () => request(t.server).get('/nope')],
    ['the health probe', 200, () => request(t.server).get('/health/live')],
    ['the OpenAPI document', 200, () => request(t.server).get('/docs-json')],
  ])('sets the strict API security headers on %s (%i)', async (_label, status, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    expectApiSecurityHeaders(res);
  });

  it('gives /docs its own CSP (scripts from self) while /v1 keeps default-src none', async () => {
    const docs = await request(t.server).get('/docs');
    expect(docs.status).toBe(200);
    const docsCsp = docs.headers['content-security-policy'];
    expect(docsCsp).toContain("script-src 'self'");
    expect(docsCsp).toContain("frame-ancestors 'none'");
    expect(docsCsp).not.toContain("default-src 'none'");
    expect(docsCsp).not.toContain("'unsafe-eval'");
    expect(docs.headers['x-frame-options']).toBe('DENY');
    expect(docs.headers['cache-control']).toBe('no-store');

    const api = await v1(t).get('/stations').expect(200);
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
    expect(api.headers['content-security-policy']).not.toContain('script-src');
  });

  // ---------------------------------------------------------------- CORS

  it('grants no origin when CORS_ORIGINS is unset, on requests and preflights', async () => {
    const get = await v1(t).get('/stations').set('Origin', 'https://evil.example').expect(200);
    expectNoCorsGrant(get);

    const preflight = await v1(t)
      .options('/stations')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).not.toBe(204);
    expectNoCorsGrant(preflight);
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('grants a configured origin on requests, without credentials', async () => {
    const res = await request(cors.server).get('/health/live').set('Origin', ALLOWED_ORIGIN);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(res.headers.vary).toMatch(/Origin/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
  });

  it('answers a /v1 preflight from a configured origin', async () => {
    const res = await v1(cors)
      .options('/stations')
      .set('Origin', ALLOWED_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(res.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it.each([
    'https://evil.example',
    'null',
    'http://app.example',
    'https://app.example.evil.example',
    'https://app.example:8443',
    'https://evil.example/https://app.example',
  ])('grants nothing to the origin %j even with CORS_ORIGINS set', async (origin) => {
    const get = await request(cors.server).get('/health/live').set('Origin', origin);
    expect(get.status).toBe(200);
    expectNoCorsGrant(get);

    const preflight = await v1(cors)
      .options('/stations')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'DELETE');
    expect(preflight.status).not.toBe(204);
    expectNoCorsGrant(preflight);
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  // ---------------------------------------------------------------- the same on both adapters
  // CI runs this file on Fastify (the default) and on Express (HTTP_ADAPTER=express): where the
  // two frameworks differ by default, the app pins one answer.

  it('refuses a compressed body with 415 before parsing (Express would inflate it, Fastify not)', async () => {
    const before = await countRows(t, 'stations');
    const res = await v1(t)
      .post('/stations')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(gzipSync(JSON.stringify(stationBody())));
    expect(expectProblem(res, 415).detail).toBe('Request bodies must not be compressed.');
    expectApiSecurityHeaders(res);
    expect(await countRows(t, 'stations')).toBe(before);
  });

  it('reads an empty JSON body as no body (400 from validation, not a parser error)', async () => {
    const res = await v1(t).post('/stations').set('Content-Type', 'application/json').send('');
    expect(expectProblem(res, 400).type).not.toBe('urn:weather-api:problem:malformed-json');
  });

  it('answers a malformed URL with 400 problem+json and the API headers', async () => {
    const res = await v1(t).get('/stations/%E0%A4%A');
    expectProblem(res, 400);
    expectApiSecurityHeaders(res);
  });

  it('routes /path/ as /path, and HEAD as GET without a body', async () => {
    expect((await v1(t).get('/stations/')).status).toBe(200);
    const head = await request(t.server).head('/health/live');
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
    expectApiSecurityHeaders(head);
  });

  it('sends no ETag on either adapter (every response is no-store), so nothing to revalidate', async () => {
    const first = await v1(t).get(`/stations/${stationId}`);
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBeUndefined();
    // A validator a client kept (from a cache or another server) gets the full answer.
    const again = await v1(t)
      .get(`/stations/${stationId}`)
      .set('If-None-Match', 'W/"1a-kept-from-elsewhere"');
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBeUndefined();
    expect(again.body).toEqual(first.body);
  });

  it.each([
    ['a repeated parameter (an array on both adapters)', 'code=AAA&code=BBB', ['code']],
    ['a repeated parameter with brackets', 'code[]=AAA&code[]=BBB', ['code[]']],
    ['a nested object (qs syntax)', 'name[$ne]=x', ['name[$ne]']],
    ['a dotted nested object', 'name.length=5', ['name.length']],
    ['an indexed array (qs syntax)', 'limit[0]=1', ['limit[0]']],
  ])(
    'refuses query parameter pollution: %s is a 400 naming the same field on both adapters',
    async (_label, query, fields) => {
      const res = await v1(t).get(`/stations?${query}`);
      expect(expectValidationProblem(res)).toEqual(fields);
    },
  );

  // ---------------------------------------------------------------- no internals on failure

  // Keep last: the app started here takes over the process-wide 'jwt' strategy (see beforeAll).
  it('answers database failures with a generic 500 problem and no internals', async () => {
    const broken = await startTestApp();
    try {
      const station = await createStation(broken);
      await ingest(broken, station.id, observationBody(new Date(Date.now() - 60_000)));

      // A real QueryFailedError, whose message names the SQL relation.
      await broken.dataSource.query('DROP TABLE observations');
      const queryFailed = await v1(broken).get(`/stations/${station.id}/observations/latest`);
      const first = expectProblem(queryFailed, 500);
      expect(first).toMatchObject({ type: 'about:blank', title: 'Internal Server Error' });
      expect(first.detail).toBe(GENERIC_500);
      expect(first.errors).toBeUndefined();
      for (const internal of ['observations', 'relation', 'does not exist', 'stack']) {
        expect(queryFailed.text.replace(first.instance, '')).not.toContain(internal);
      }

      // No database at all.
      await broken.dataSource.destroy();
      const noDatabase = await v1(broken).get('/stations');
      expect(expectProblem(noDatabase, 500).detail).toBe(GENERIC_500);
      expectNoLeaks(noDatabase);
      expectApiSecurityHeaders(noDatabase);
    } finally {
      await broken.close();
    }
  });
});

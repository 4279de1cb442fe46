import request from 'supertest';
import { expectUnchangedBy } from '../support/database';
import { OpenApiDocument, documentedOperations, openApiDocument } from '../support/openapi';
import { PROBLEM_CONTENT_TYPE, expectProblem } from '../support/problems';
import { SignedInUser, newPassword, signedInUser } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API9:2023 Improper Inventory Management: endpoints nobody remembers. An unversioned
 * alias or an old version left running without the current checks, debug and admin consoles,
 * framework defaults (metrics, actuator, GraphQL), files served by accident, and documentation
 * that lists less (or more) than what is served. The positive inventory (served = declared =
 * documented, every operation's security and error responses) is route-inventory.e2e-spec.ts;
 * this file looks for what should not be there. Docs switched off in production:
 * api8-security-misconfiguration.e2e-spec.ts.
 */

let t: TestApp;
let doc: OpenApiDocument;
let viewer: SignedInUser;

beforeAll(async () => {
  t = await startTestApp();
  doc = await openApiDocument(t);
  viewer = await signedInUser(t, 'viewer');
});
afterAll(() => t.close());

describe('API9 no shadow or zombie API (e2e)', () => {
  it.each([
    ['GET', '/stations'],
    ['GET', '/users'],
    ['GET', '/api-keys'],
    ['GET', '/audit-logs'],
    ['POST', '/auth/login'],
    ['POST', '/auth/register'],
    ['GET', '/v0/stations'],
    ['GET', '/v2/stations'],
    ['GET', '/v1.0/stations'],
    ['GET', '/api/v1/stations'],
    ['GET', '/latest/users'],
    ['GET', '/internal/users'],
    ['POST', '/v0/auth/register'],
  ])(
    '%s %s (an unversioned, older or newer alias) -> 404; nothing changed',
    async (method, path) => {
      const res = await expectUnchangedBy(t, () => {
        const req = method === 'GET' ? request(t.server).get(path) : request(t.server).post(path);
        return req
          .set(viewer.auth)
          .send(method === 'POST' ? { email: viewer.email, password: newPassword() } : undefined);
      });
      expectProblem(res, 404);
    },
  );

  it.each([
    '/debug',
    '/metrics',
    '/admin',
    '/graphql',
    '/actuator/health',
    '/server-status',
    '/swagger.json',
    '/api-docs',
    '/openapi.json',
    '/v1/debug',
    '/v1/internal/users',
    '/v1/admin',
    '/v1/test',
    '/health/details',
    '/.env',
    '/.git/config',
    '/package.json',
    '/src/main.ts',
    '/dist/src/main.js',
    '/node_modules/typeorm/package.json',
    '/data/pglite/PG_VERSION',
    '/migrations/1763900000000-initial-schema.ts',
    '/docs/../package.json',
    '/docs/%2e%2e/package.json',
  ])('%s is not served (404), and nothing of the app is disclosed', async (path) => {
    const res = await request(t.server).get(path).set(t.auth);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    for (const marker of ['"dependencies"', 'DATABASE_URL', 'JWT_SECRET', '[core]', 'import ']) {
      expect(res.text).not.toContain(marker);
    }
  });

  it('the docs serve the UI’s own assets only: no directory listing, no source maps of the app', async () => {
    for (const path of ['/docs/', '/docs/index.html']) {
      const res = await request(t.server).get(path);
      expect(res.status).toBe(200);
      expect(res.text).not.toMatch(/Index of|<title>Directory/i);
    }
    for (const path of ['/docs/app.module.js', '/docs/main.js.map', '/docs/..%2fpackage.json']) {
      expect([400, 404]).toContain((await request(t.server).get(path)).status);
    }
  });
});

describe('API9 the document describes one current version (e2e)', () => {
  it('info.version is "1", and every operation lives under /v1 (or the unversioned health probes and JWKS)', () => {
    expect(doc.info.version).toBe('1');
    const paths = documentedOperations(doc).map((op) => op.path);
    // The JWKS is a well-known URI (RFC 8615): gateways expect it there, unversioned.
    const unversioned = paths.filter((path) => path !== '/.well-known/jwks.json');
    expect(unversioned.filter((path) => !/^\/(v1|health)\//.test(path))).toEqual([]);
    expect(paths.filter((path) => path.startsWith('/v1/')).length).toBeGreaterThan(20);
  });

  it('no operation is deprecated: nothing is kept alive for old clients', () => {
    const deprecated = documentedOperations(doc).filter(
      (op) => (op.operation as { deprecated?: boolean }).deprecated === true,
    );
    expect(deprecated.map((op) => op.name)).toEqual([]);
  });

  it('the health probes tell an anonymous caller the status, not versions, hosts or connection strings', async () => {
    const live = await request(t.server).get('/health/live').expect(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await request(t.server).get('/health/ready').expect(200);
    expect(Object.keys(ready.body as object).sort()).toEqual([
      'details',
      'error',
      'info',
      'status',
    ]);
    expect(Object.keys((ready.body as { info: object }).info)).toEqual([
      'database',
      'audit',
      'mail',
    ]);
    for (const marker of [
      'version',
      'postgres',
      'pglite',
      '127.0.0.1',
      'localhost',
      'node',
      'uptime',
    ]) {
      expect(ready.text.toLowerCase()).not.toContain(marker);
    }
  });
});

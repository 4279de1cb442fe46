import request from 'supertest';
import { apiKeyHeader, postKey } from '../support/api-keys';
import { Method, call } from '../support/http';
import {
  OpenApiDocument,
  documentedOperations,
  openApiDocument,
  toOpenApiPath,
} from '../support/openapi';
import { concretePath, servedRoutes, registeredRoutes } from '../support/routes';
import { login, signedInUser } from '../support/sign-in';
import { TEST_ADMIN, TestApp, startTestApp } from '../support/test-app';

/**
 * The route inventory (OWASP API9:2023 Improper Inventory Management, and the contract every
 * other file relies on). What Express really serves, what Nest declares, and what the OpenAPI
 * document at /docs-json tells clients must be the same list, and each documented operation must
 * state its security, its 401/403 for non-public routes, its 429 with Retry-After (the per-IP
 * limit runs before anything else, so every route can answer 429), and the rate-limit headers on
 * success (src/openapi/openapi-conventions.ts).
 */

const DOCS_ROUTES = ['GET /docs', 'GET /docs-json', 'GET /docs-yaml'];
const PUBLIC_OPERATIONS = [
  'GET /.well-known/jwks.json',
  'GET /health/live',
  'GET /health/ready',
  'POST /v1/auth/login',
  'POST /v1/auth/login/mfa',
  'POST /v1/auth/refresh',
  'POST /v1/auth/register',
  // One-time links from mail: whoever holds the link (src/security/accounts).
  'POST /v1/auth/verify-email',
  'POST /v1/auth/verify-email/resend',
  'POST /v1/auth/password-reset/request',
  'POST /v1/auth/password-reset/confirm',
];
const rateLimitHeaders = (limit: string) =>
  ['Limit', 'Remaining', 'Reset'].map((part) => `X-RateLimit-${part}-${limit}`);
const RATE_LIMIT_HEADERS = rateLimitHeaders('ip');
/** The named limit that sensitive flows add, by operation. */
const FLOW_LIMITS: Record<string, string> = {
  'POST /v1/auth/login': 'login-ip',
  'POST /v1/auth/login/mfa': 'login-ip',
  'POST /v1/auth/register': 'register-ip',
  'POST /v1/api-keys': 'api-key-issue',
  'POST /v1/api-keys/{id}/rotate': 'api-key-issue',
};

let t: TestApp;
let doc: OpenApiDocument;

beforeAll(async () => {
  t = await startTestApp();
  doc = await openApiDocument(t);
});
afterAll(() => t.close());

/** `GET /v1/stations/{id}`: Express routes in OpenAPI's spelling, without the docs' own. */
function servedOperations(): string[] {
  return servedRoutes(t)
    .filter(({ path }) => !isWildcard(path) && !isDocs(path))
    .map(({ method, path }) => `${method} ${toOpenApiPath(path)}`);
}

const isWildcard = (path: string) => path.includes('*');
const isDocs = (path: string) =>
  path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');
const operations = () => documentedOperations(doc);
const v1Operations = () => operations().filter((op) => op.path.startsWith('/v1/'));
const sorted = (list: string[]) => [...list].sort((x, y) => x.localeCompare(y));

describe('route inventory: served = declared = documented (e2e)', () => {
  it('every route Express serves is in /docs-json, and every documented operation is served', () => {
    const served = servedOperations();
    expect(served.length).toBeGreaterThan(25);
    expect(sorted([...new Set(served)])).toEqual(sorted(operations().map((op) => op.name)));
    expect(new Set(served).size).toBe(served.length);
  });

  it('what Nest declares (controllers, DiscoveryService) is what Express serves', () => {
    const declared = registeredRoutes(t.app).map((r) => `${r.method} ${toOpenApiPath(r.path)}`);
    expect(sorted(declared)).toEqual(sorted(servedOperations()));
  });

  it('every route is under /v1, except the health probes, the JWKS and the docs', () => {
    const outside = servedRoutes(t)
      .filter(({ path }) => !isWildcard(path))
      .map(({ method, path }) => `${method} ${path}`)
      .filter((name) => !/^[A-Z]+ \/(v1|health)\//.test(name))
      .filter((name) => name !== 'GET /.well-known/jwks.json') // a well-known URI (RFC 8615)
      .filter((name) => !isDocs(name.split(' ')[1]));
    expect(outside).toEqual([]);
    expect(servedRoutes(t).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(DOCS_ROUTES),
    );
    for (const op of operations()) {
      expect(op.path).toMatch(/^\/(v1|health)\/|^\/\.well-known\/jwks\.json$/);
    }
  });

  it('no route answers with a redirect (an API never bounces a client to another URL)', async () => {
    // Logout last: it ends the session the sweep runs with.
    const routes = registeredRoutes(t.app).sort(
      (x, y) =>
        Number(x.name === 'POST /v1/auth/logout') - Number(y.name === 'POST /v1/auth/logout'),
    );
    // A second admin session of its own, so the logout at the end leaves t.auth alive; and
    // another person for revoke-others, which would end t.auth's session too.
    const admin = await login(t, TEST_ADMIN);
    const bystander = await signedInUser(t, 'viewer', { via: 'users-service' });
    const statuses: string[] = [];
    for (const route of routes) {
      const auth =
        route.name === 'POST /v1/auth/sessions/revoke-others' ? bystander.auth : admin.auth;
      const res = await call(t, route.method as Method, concretePath(route.path), auth, {});
      statuses.push(`${route.name} ${res.status}`);
      expect({ route: route.name, redirect: res.status >= 300 && res.status < 400 }).toEqual({
        route: route.name,
        redirect: false,
      });
    }
    for (const path of ['/docs', '/docs/', '/docs-json']) {
      expect((await request(t.server).get(path)).status).toBe(200);
    }
    expect(statuses.length).toBeGreaterThan(25);
  });

  it('the catch-all layers are pass-through middleware, not handlers: unknown paths are 404 for every method', async () => {
    expect(servedRoutes(t).filter(({ path }) => isWildcard(path)).length).toBeGreaterThan(0);
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      for (const path of ['/nope', '/v1/nope', '/v1/stations/x/y/z', '/health']) {
        const res = await request(t.server)[method](path).set(t.auth);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      }
    }
  });
});

describe('route inventory: what each documented operation promises (e2e)', () => {
  it('has a summary, a tag and a unique operationId', () => {
    const ids = operations().map((op) => op.operation.operationId);
    for (const op of operations()) {
      expect({ op: op.name, summary: op.operation.summary }).toEqual({
        op: op.name,
        summary: expect.any(String),
      });
      expect(op.operation.tags?.length).toBeGreaterThan(0);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('public operations say so with an explicit empty security; they are exactly the known ones', () => {
    const open = operations()
      .filter((op) => Array.isArray(op.operation.security) && op.operation.security.length === 0)
      .map((op) => op.name);
    expect(sorted(open)).toEqual(sorted(PUBLIC_OPERATIONS));
    for (const op of operations()) expect(Array.isArray(op.operation.security)).toBe(true);
  });

  it('every other /v1 operation requires a credential, and names exactly the kinds its route accepts', () => {
    const policies = new Map(
      registeredRoutes(t.app).map((r) => [`${r.method} ${toOpenApiPath(r.path)}`, r.policy]),
    );
    for (const op of v1Operations()) {
      const policy = policies.get(op.name);
      expect({ op: op.name, known: policy !== undefined }).toEqual({ op: op.name, known: true });
      if (policy?.isPublic) continue;
      const schemes = (op.operation.security ?? []).flatMap((requirement) =>
        Object.keys(requirement),
      );
      const expected = [
        ...(policy?.credentials?.includes('user') ? ['bearer'] : []),
        ...(policy?.credentials?.includes('api-key') ? ['api-key'] : []),
      ];
      expect({ op: op.name, schemes: sorted(schemes) }).toEqual({
        op: op.name,
        schemes: sorted(expected),
      });
      expect(schemes.length).toBeGreaterThan(0);
    }
  });

  it('every non-public /v1 operation documents 401 and 403 as problem+json', () => {
    for (const op of v1Operations().filter((o) => !PUBLIC_OPERATIONS.includes(o.name))) {
      for (const status of ['401', '403']) {
        const response = op.operation.responses[status];
        expect({ op: op.name, status, documented: Boolean(response) }).toEqual({
          op: op.name,
          status,
          documented: true,
        });
        expect(Object.keys(response.content ?? {})).toEqual(['application/problem+json']);
      }
    }
  });

  it('every operation documents 429 with a Retry-After header', () => {
    const missing = operations().flatMap((op) => {
      const response = op.operation.responses['429'];
      if (!response) return [`${op.name}: no 429`];
      return response.headers?.['Retry-After'] ? [] : [`${op.name}: 429 without Retry-After`];
    });
    expect(missing).toEqual([]);
    expect(doc.components.headers?.['Retry-After']).toMatchObject({
      schema: { type: 'integer', minimum: 1 },
    });
  });

  it('every 2xx response of a /v1 operation documents the rate-limit headers', () => {
    const missing = v1Operations().flatMap((op) =>
      Object.entries(op.operation.responses)
        .filter(([status]) => status.startsWith('2'))
        .flatMap(([status, response]) =>
          RATE_LIMIT_HEADERS.filter((header) => !response.headers?.[header]).map(
            (header) => `${op.name} ${status}: ${header}`,
          ),
        ),
    );
    expect(missing).toEqual([]);
    for (const header of RATE_LIMIT_HEADERS) expect(doc.components.headers?.[header]).toBeDefined();
  });

  it('every 2xx of an operation that needs a credential documents the per-identity limit; flows their own', () => {
    const missing = v1Operations().flatMap((op) => {
      const limits = [
        ...(PUBLIC_OPERATIONS.includes(op.name) ? [] : ['identity']),
        ...(FLOW_LIMITS[op.name] ? [FLOW_LIMITS[op.name]] : []),
      ];
      return Object.entries(op.operation.responses)
        .filter(([status]) => status.startsWith('2'))
        .flatMap(([status, response]) =>
          limits
            .flatMap(rateLimitHeaders)
            .filter((header) => !response.headers?.[header])
            .map((header) => `${op.name} ${status}: ${header}`),
        );
    });
    expect(missing).toEqual([]);
  });

  it('every operation documents 413 and 415 as problem+json: the body gate runs before routing', () => {
    const missing = operations().flatMap((op) =>
      ['413', '415'].flatMap((status) => {
        const content = op.operation.responses[status]?.content;
        return content && Object.keys(content).join() === 'application/problem+json'
          ? []
          : [`${op.name}: ${status}`];
      }),
    );
    expect(missing).toEqual([]);
  });

  it('a bodyless operation really answers 415 to a non-JSON body and 413 to a large one', async () => {
    const wrongType = await request(t.server)
      .get('/v1/stations')
      .set(t.auth)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(wrongType.status).toBe(415);
    const large = await request(t.server)
      .post('/v1/auth/logout')
      .set(t.auth)
      .send({ padding: 'x'.repeat(200 * 1024) });
    expect(large.status).toBe(413);
  });

  it('the health probes document their response bodies', () => {
    for (const path of ['/health/live', '/health/ready']) {
      const ok = doc.paths[path].get?.responses['200'];
      expect({ path, schema: ok?.content?.['application/json'] }).toEqual({
        path,
        schema: { schema: expect.objectContaining({ type: 'object' }) },
      });
    }
  });

  it('the per-identity and flow headers documented are sent: an authenticated read, a login', async () => {
    const read = await request(t.server).get('/v1/stations').set(t.auth).expect(200);
    for (const header of rateLimitHeaders('identity')) {
      expect(read.headers[header.toLowerCase()]).toMatch(/^\d+$/);
    }
    const signedIn = await request(t.server).post('/v1/auth/login').send(TEST_ADMIN).expect(200);
    for (const header of rateLimitHeaders('login-ip')) {
      expect(signedIn.headers[header.toLowerCase()]).toMatch(/^\d+$/);
    }
  });

  it('the documented rate-limit headers and Retry-After are what the API really sends', async () => {
    const ok = await request(t.server).get('/v1/stations').set(t.auth).expect(200);
    for (const header of RATE_LIMIT_HEADERS) {
      expect(ok.headers[header.toLowerCase()]).toMatch(/^\d+$/);
    }
    // A key limited to one request a minute: its second request is refused.
    const created = await postKey(t, t.auth, {
      name: 'once a minute',
      scopes: ['stations:read'],
      rateLimitPerMinute: 1,
    }).expect(201);
    const key = apiKeyHeader((created.body as { key: string }).key);
    await request(t.server).get('/v1/stations').set(key).expect(200);
    const refused = await request(t.server).get('/v1/stations').set(key);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  });

  it('the security schemes are the two the guards accept: a bearer JWT and the X-API-Key header', () => {
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
  });
});

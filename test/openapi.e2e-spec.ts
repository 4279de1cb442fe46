import request from 'supertest';
import { expectProblem } from './support/problems';
import { servedRoutes } from './support/routes';
import { TestApp, startTestApp } from './support/test-app';

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head', 'trace'];

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { securitySchemes?: Record<string, Record<string, unknown>> };
}

/**
 * The OpenAPI document, in its own file rather than persistence.e2e-spec.ts: that one is
 * skipped against a PostgreSQL server, and the document must be checked in every run.
 */
describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** "GET /v1/stations/{id}" for every API route the platform serves, in OpenAPI's syntax. */
  function registeredRoutes(): string[] {
    return servedRoutes(t)
      .filter(({ path }) => /^\/(v1|health|\.well-known)(\/|$)/.test(path))
      .map(({ method, path }) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }

  function documentedRoutes(doc: OpenApiDocument): string[] {
    return Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => HTTP_METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  it('GET /docs-json documents exactly the routes the app registers under /v1, /health and /.well-known', async () => {
    const res = await request(t.server).get('/docs-json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.body as OpenApiDocument;
    expect(doc.openapi).toMatch(/^3\./);

    const registered = registeredRoutes();
    // Guard against the route discovery silently finding nothing.
    expect(registered).toEqual(
      expect.arrayContaining([
        'GET /health/live',
        'GET /v1/stations',
        'POST /v1/stations/{id}/observations',
        'GET /v1/stations/{id}/daily',
      ]),
    );
    expect([...documentedRoutes(doc)].sort()).toEqual([...new Set(registered)].sort());
    // The JWKS a gateway reads: a documented key set, public, with a key's public members only.
    const jwks = doc.paths['/.well-known/jwks.json'];
    expect(JSON.stringify(jwks)).toMatch(/JwksResponse/);
  });

  it('declares both security schemes: "bearer" (HTTP) and "api-key" (X-API-Key header)', async () => {
    const res = await request(t.server).get('/docs-json').expect(200);
    const schemes = (res.body as OpenApiDocument).components.securitySchemes;
    expect(schemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes?.['api-key']).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it('serves neither the UI nor the document when DOCS_ENABLED=false', async () => {
    const hidden = await startTestApp({ DOCS_ENABLED: 'false' });
    try {
      expectProblem(await request(hidden.server).get('/docs-json'), 404);
      expectProblem(await request(hidden.server).get('/docs'), 404);
      await request(hidden.server).get('/health/live').expect(200);
    } finally {
      await hidden.close();
    }
  });
});

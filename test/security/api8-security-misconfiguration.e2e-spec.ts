import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Response } from 'supertest';
import { ConfigError } from '../../src/config/env-parsers';
import { loadConfig } from '../../src/config/load-config';
import { SQL_INJECTION_STRINGS } from '../support/attacks';
import { countWhere, expectUnchangedBy, query } from '../support/database';
import { strongJwtSecret } from '../support/jwt';
import { LEAK_MARKERS, expectNoLeaks } from '../support/leaks';
import { PROBLEM_CONTENT_TYPE, expectProblem } from '../support/problems';
import { SignedInUser, newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { OwnedStation, createStation, stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API8:2023 Security Misconfiguration: what the HTTP layer lets through or gives away.
 * Headers that let a browser sniff, frame or cache answers; CORS that hands responses to any
 * origin; methods nobody needs (TRACE); bodies in formats nobody validates; injection strings
 * that reach an interpreter; errors that disclose internals; production defaults left open
 * (docs, registration, weak secrets). Defences: src/security/headers, src/app.setup.ts,
 * src/security/validation, the problem-details filter and src/config/load-config.ts.
 * test/http-pipeline.e2e-spec.ts holds the exhaustive header and CORS tables; this file is the
 * attacker's pass over each item, with the state checked.
 */

let t: TestApp;
/** The same app as an operator deploys it: NODE_ENV=production, one browser origin allowed. */
let prod: TestApp;
let operator: SignedInUser;
let station: OwnedStation;

beforeAll(async () => {
  prod = await startTestApp({
    NODE_ENV: 'production',
    JWT_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    CORS_ORIGINS: 'https://app.example',
  });
  t = await startTestApp();
  operator = await signedInUser(t, 'operator');
  station = await createStation(t, { name: 'Harbour mast' }, operator.auth);
});
afterAll(async () => {
  await t.close();
  await prod.close();
});

function expectHardenedHeaders(res: Response): void {
  expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers.server).toBeUndefined();
  // A declared type and charset on every body, so nothing is left to sniffing (ASVS 4.1.1).
  expect(res.headers['content-type']).toMatch(/^application\/(problem\+)?json; charset=utf-8$/);
}

describe('API8 headers and CORS (e2e)', () => {
  it.each<[string, () => request.Test]>([
    [
      'an authenticated 200 with personal data',
      () => request(t.server).get('/v1/auth/me').set(operator.auth),
    ],
    ['a 401 from the authentication guard', () => request(t.server).get('/v1/users')],
    [
      'a 415 from the content-type gate',
      () => request(t.server).post('/v1/auth/login').type('text').send('x'),
    ],
    ['a 404 for a path that does not exist', () => request(t.server).get('/.env')],
  ])('%s carries the hardened headers, no X-Powered-By, no Server banner', async (_label, send) => {
    expectHardenedHeaders(await send());
  });

  it.each([
    'https://evil.example',
    'null',
    'https://app.example.evil.example',
    'http://app.example',
  ])(
    'Origin %j gets no Access-Control-Allow-Origin, on requests and on preflights',
    async (origin) => {
      for (const app of [t, prod]) {
        const get = await request(app.server)
          .get('/v1/auth/me')
          .set(operator.auth)
          .set('Origin', origin);
        expect(get.headers['access-control-allow-origin']).toBeUndefined();
        expect(get.headers['access-control-allow-credentials']).toBeUndefined();
        const preflight = await request(app.server)
          .options('/v1/stations')
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'DELETE')
          .set('Access-Control-Request-Headers', 'authorization');
        expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
        expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
      }
    },
  );

  it('the configured origin is allowed, without credentials, and never as a wildcard', async () => {
    const res = await request(prod.server).get('/health/live').set('Origin', 'https://app.example');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers.vary).toMatch(/Origin/);
  });

  // Browsers hide response headers from scripts unless exposed by exact name, and the throttler
  // suffixes each with its limit's name.
  it('a browser app may read the rate-limit headers the API actually sends', async () => {
    const res = await request(prod.server).get('/health/live').set('Origin', 'https://app.example');
    expect(res.headers['x-ratelimit-remaining-ip']).toEqual(expect.any(String));
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(',');
    expect(exposed).toEqual(expect.arrayContaining(['retry-after', 'x-ratelimit-remaining-ip']));
  });
});

describe('API8 methods and media types nobody needs (e2e)', () => {
  it('TRACE is not served and echoes nothing back', async () => {
    const res = await request(t.server)
      .trace('/v1/stations')
      .set(operator.auth)
      .set('X-Trace-Marker', 'secret-marker');
    expect([404, 405]).toContain(res.status);
    expect(res.text).not.toContain('secret-marker');
    expect(res.text).not.toContain(operator.auth.Authorization);
  });

  it('OPTIONS without CORS is not a way in: 404 and no methods listed', async () => {
    const res = await request(t.server).options('/v1/users').set(operator.auth);
    expect(res.status).toBe(404);
    expect(res.headers.allow).toBeUndefined();
  });

  it.each([
    ['text/plain', JSON.stringify({ name: 'Renamed' })],
    ['application/x-www-form-urlencoded', 'name=Renamed'],
    [
      'multipart/form-data; boundary=b',
      '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nRenamed\r\n--b--',
    ],
    [
      'application/xml',
      '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><station><name>&e;</name></station>',
    ],
    ['application/merge-patch+json', JSON.stringify({ name: 'Renamed' })],
    [
      'application/json-patch+json',
      JSON.stringify([{ op: 'replace', path: '/name', value: 'Renamed' }]),
    ],
    ['application/json; charset=utf-16', JSON.stringify({ name: 'Renamed' })],
  ])('a %s body -> refused (415/400), the station is not renamed', async (contentType, body) => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .patch(`/v1/stations/${station.id}`)
        .set(operator.auth)
        .set('Content-Type', contentType)
        .send(body),
    );
    expect([400, 415]).toContain(res.status);
    expectProblem(res, res.status);
    const [row] = await query(t, 'SELECT name FROM stations WHERE id = $1', [station.id]);
    expect(row.name).toBe('Harbour mast');
  });

  it('request smuggling: Content-Length with Transfer-Encoding is refused at the socket (400)', async () => {
    if (!t.server.listening) {
      await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', () => resolve()));
    }
    const { port } = t.server.address() as AddressInfo;
    const body = JSON.stringify(stationBody());
    const smuggled =
      `POST /v1/stations HTTP/1.1\r\nHost: api\r\nAuthorization: ${operator.auth.Authorization}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\nGET /v1/users HTTP/1.1\r\nHost: api\r\n\r\n`;
    const answer = await expectUnchangedBy(
      t,
      () =>
        new Promise<string>((resolve) => {
          let text = '';
          const socket = connect(port, '127.0.0.1', () => socket.end(smuggled));
          socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          socket.on('close', () => resolve(text));
          socket.on('error', () => resolve(text));
        }),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });
});

describe('API8 injection strings reach no interpreter (e2e)', () => {
  it.each(SQL_INJECTION_STRINGS)(
    '%j as a search filter matches literally: 200, zero rows',
    async (attack) => {
      const res = await expectUnchangedBy(t, () =>
        request(t.server).get('/v1/stations').query({ name: attack }).set(operator.auth),
      );
      expect(res.status).toBe(200);
      expect((res.body as { page: { total: number } }).page.total).toBe(0);
    },
  );

  it('LIKE wildcards are literal too: "%" and "_" match no station', async () => {
    for (const wildcard of ['%', '_', '%_%', '\\']) {
      const res = await request(t.server)
        .get('/v1/stations')
        .query({ name: wildcard })
        .set(operator.auth)
        .expect(200);
      expect((res.body as { page: { total: number } }).page.total).toBe(0);
    }
  });

  it.each(SQL_INJECTION_STRINGS)(
    '%j in a path id, a code filter, an audit filter or a login -> 400/401',
    async (attack) => {
      const responses = await expectUnchangedBy(t, async () => [
        await request(t.server)
          .get(`/v1/stations/${encodeURIComponent(attack)}`)
          .set(operator.auth),
        await request(t.server).get('/v1/stations').query({ code: attack }).set(operator.auth),
        await request(t.server)
          .get('/v1/audit-logs')
          .query({ actor: attack, action: attack })
          .set(t.auth),
        await request(t.server)
          .post('/v1/auth/login')
          .send({ email: attack, password: newPassword() }),
      ]);
      for (const res of responses) {
        expectProblem(res, 400);
      }
      const wrongPassword = await request(t.server)
        .post('/v1/auth/login')
        .send({ email: operator.email, password: `${attack} padding!` });
      expectProblem(wrongPassword, 401);
    },
  );

  it('a body full of injection strings is stored as text, byte for byte; every table is intact', async () => {
    const name = SQL_INJECTION_STRINGS.join(' ').slice(0, 100);
    const res = await request(t.server)
      .post('/v1/stations')
      .set(operator.auth)
      .send(stationBody({ name }))
      .expect(201);
    const [row] = await query(t, 'SELECT name FROM stations WHERE id = $1', [
      (res.body as { id: string }).id,
    ]);
    expect(row.name).toBe(name);
    expect(await countWhere(t, 'users', 'role = $1', ['admin'])).toBe(1);
    const tables = await query<{ n: number }>(
      t,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('stations', 'users', 'observations', 'api_keys', 'audit_log')",
    );
    expect(tables[0].n).toBe(5);
  });

  // KNOWN BUG (reported, not fixed here): PostgreSQL text cannot hold U+0000, and no DTO refuses
  // it, so a NUL in any free-text field reaches the INSERT or the WHERE clause and fails there:
  // 500 instead of 400 (POST/PATCH /v1/stations name, POST /v1/api-keys name, GET /v1/stations
  // ?name=). Nothing is written and nothing leaks, but the input is validated by the database.
  it('a NUL byte in a text field is a 400, not a 500', async () => {
    const res = await expectUnchangedBy(t, () =>
      request(t.server)
        .post('/v1/stations')
        .set(operator.auth)
        .send(stationBody({ name: 'nul\u0000byte' })),
    );
    expectProblem(res, 400);
  });
});

describe('API8 errors disclose nothing (e2e)', () => {
  it('validation errors name the field, never echo the value', async () => {
    const marker = `secret-marker-${'m'.repeat(100)}`;
    const res = await request(t.server)
      .post('/v1/stations')
      .set(operator.auth)
      .send(stationBody({ name: marker, code: marker, timezone: marker }));
    expectProblem(res, 400);
    expect(res.text).not.toContain('secret-marker');
  });

  it('a failing query answers a generic 500: no SQL, table, column, driver or stack', async () => {
    await t.dataSource.query('ALTER TABLE stations RENAME COLUMN name TO name_hidden');
    try {
      const res = await request(t.server).get('/v1/stations').set(operator.auth);
      const problem = expectProblem(res, 500);
      expect(problem.detail).toBe(
        'An unexpected error occurred. Quote the requestId when reporting it.',
      );
      for (const internal of [
        ...LEAK_MARKERS,
        'name_hidden',
        'column',
        'stations',
        'postgres',
        'typeorm',
      ]) {
        expect(res.text.replace(problem.instance, '').toLowerCase()).not.toContain(
          internal.toLowerCase(),
        );
      }
      expectNoLeaks(res);
      expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
    } finally {
      await t.dataSource.query('ALTER TABLE stations RENAME COLUMN name_hidden TO name');
    }
    await request(t.server).get('/v1/stations').set(operator.auth).expect(200);
  });
});

describe('API8 production defaults (e2e)', () => {
  it('production refuses to start without a real key-encryption key or JWT secret, or trusting every proxy', () => {
    const secret = strongJwtSecret();
    const kek = randomBytes(32).toString('base64');
    const mfaKey = randomBytes(32).toString('base64');
    const prod = {
      NODE_ENV: 'production',
      JWT_KEY_ENCRYPTION_KEY: kek,
      MFA_ENCRYPTION_KEY: mfaKey,
    };
    for (const env of [
      { NODE_ENV: 'production' },
      { NODE_ENV: 'production', JWT_KEY_ENCRYPTION_KEY: kek }, // TOTP secrets need their own key
      { ...prod, MFA_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') },
      { NODE_ENV: 'production', JWT_SECRET: secret }, // HS256 does not replace the ring's key
      { NODE_ENV: 'production', JWT_KEY_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') },
      { ...prod, JWT_SECRET: 'short' },
      { ...prod, JWT_SECRET: 'change-me-change-me-change-me-change-me' },
      { ...prod, TRUST_PROXY: 'true' },
      { ...prod, CORS_ORIGINS: '*' },
      { ...prod, DOCS_ENABLED: 'yes' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
    const config = loadConfig(prod);
    expect(config).toMatchObject({
      docsEnabled: false,
      seedDemoData: false,
      trustProxy: false,
      corsOrigins: [],
      auth: { registrationEnabled: false, keyEncryptionKeySource: 'env', jwtSecret: undefined },
    });
    expect(() => loadConfig({ ...prod, JWT_SECRET: secret })).not.toThrow();
  });

  it('a production server serves no docs and takes no registrations', async () => {
    for (const path of ['/docs', '/docs-json', '/docs-yaml', '/docs/swagger-ui-init.js']) {
      expectProblem(await request(prod.server).get(path), 404);
    }
    const email = uniqueEmail('prod');
    const res = await request(prod.server)
      .post('/v1/auth/register')
      .send({ email, password: newPassword() });
    expectProblem(res, 403);
    expect(await countWhere(prod, 'users', 'email = $1', [email])).toBe(0);
    expectHardenedHeaders(await request(prod.server).get('/health/live').expect(200));
  });
});

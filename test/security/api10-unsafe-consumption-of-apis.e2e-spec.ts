import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createKey } from '../support/api-keys';
import { observationBody } from '../support/observations';
import { outboundConnectionsDuring } from '../support/outbound-connections';
import { signedInUser } from '../support/sign-in';
import {
  ALLOWED_HTTP_IMPORTS,
  OUTBOUND_CLIENT_PATTERNS,
  REPO_ROOT,
  importsFromNodeHttp,
  sourceFiles,
} from '../support/source-code';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * OWASP API10:2023 Unsafe Consumption of APIs: trusting what a third-party API answers
 * (following its redirects, skipping validation of its data, no timeouts, plain HTTP). This API
 * consumes no upstream API: its data comes from its own clients (stations' data loggers, people),
 * validated as user input (API3, API4, API8), and the only services it talks to are its own
 * PostgreSQL database and, optionally, Redis for rate-limit counters, both named by the operator
 * in DATABASE_URL / REDIS_URL. So the risk does not apply, and this file proves the premise:
 * 1. no dependency is an HTTP client or a third-party SDK;
 * 2. no source file calls out (fetch, http(s).request, axios, got, sockets, DNS, child
 *    processes), and `node:http` is used only for types and status texts;
 * 3. a whole working session (login, station, key, ingest, reads, audit, readiness) opens no
 *    connection except to the database;
 * 4. readiness depends on the database (and Redis when configured), nothing else.
 * If an upstream is ever added, (1) or (2) fails: its answers must then be validated like user
 * input, with TLS, a timeout, no blind redirects and a response size cap.
 */

const CLIENT_PACKAGES =
  /^(axios|got|node-fetch|undici|superagent|needle|request|ky|cross-fetch|isomorphic-fetch|@nestjs\/axios|@aws-sdk\/.*|aws-sdk|googleapis|@google-cloud\/.*|@azure\/.*|openai|stripe|twilio|@sendgrid\/.*|nodemailer|ws|socket\.io-client|graphql-request|@apollo\/client)$/;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('API10 premise: no upstream API is consumed (e2e)', () => {
  it('no runtime dependency is an HTTP client or a third-party service SDK', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const dependencies = Object.keys(manifest.dependencies);
    expect(dependencies).toEqual(expect.arrayContaining(['pg', '@nestjs/core']));
    expect(dependencies.filter((name) => CLIENT_PACKAGES.test(name))).toEqual([]);
  });

  it('no source file calls out, and node:http is used only for types and status texts', () => {
    const files = sourceFiles();
    const findings = files.flatMap(({ path, text }) => [
      ...OUTBOUND_CLIENT_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(
        ({ name }) => `${path}: ${name}`,
      ),
      ...importsFromNodeHttp(text)
        .filter((name) => !ALLOWED_HTTP_IMPORTS.includes(name))
        .map((name) => `${path}: imports ${name} from node:http`),
    ]);
    expect(findings).toEqual([]);
    // The import check reads what it should.
    expect(importsFromNodeHttp("import { request, STATUS_CODES } from 'node:http';")).toEqual([
      'request',
      'STATUS_CODES',
    ]);
    expect(files.some(({ text }) => importsFromNodeHttp(text).includes('STATUS_CODES'))).toBe(true);
  });

  it('a whole working session opens no connection except to the database', async () => {
    const operator = await signedInUser(t, 'operator');
    const connections = await outboundConnectionsDuring(t, async (base) => {
      const station = await request(base)
        .post('/v1/stations')
        .set(operator.auth)
        .send({
          code: 'UPSTREAM_1',
          name: 'https://weather.example/feed.json',
          latitude: 1,
          longitude: 2,
          elevationM: 3,
          timezone: 'UTC',
        })
        .expect(201);
      const stationId = (station.body as { id: string }).id;
      const key = await createKey(t, operator.auth, {
        scopes: ['observations:write', 'observations:read'],
        resourceId: stationId,
      });
      await request(base)
        .post(`/v1/stations/${stationId}/observations`)
        .set(key.auth)
        .send(observationBody(new Date(Date.now() - 60_000)))
        .expect(201);
      await request(base).get(`/v1/stations/${stationId}/observations`).set(key.auth).expect(200);
      const today = new Date().toISOString().slice(0, 10);
      await request(base)
        .get(`/v1/stations/${stationId}/daily?from=${today}&to=${today}`)
        .set(operator.auth)
        .expect(200);
      await request(base).get('/v1/audit-logs/verify').set(t.auth).expect(200);
      await request(base).get('/v1/usage/top-endpoints').set(t.auth).expect(200);
      await request(base).get('/health/ready').expect(200);
    });
    expect(connections).toEqual([]);
  });

  it('readiness checks the database, and Redis only when REDIS_URL is set: no other dependency', async () => {
    const res = await request(t.server).get('/health/ready').expect(200);
    // `audit` is the app's own audit queue (pending, dropped): not a dependency.
    const expected = t.config.redisUrl ? ['audit', 'database', 'redis'] : ['audit', 'database'];
    expect(Object.keys((res.body as { info: object }).info).sort()).toEqual(expected);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createKey } from '../support/api-keys';
import { observationBody } from '../support/observations';
import { outboundConnectionsDuring } from '../support/outbound-connections';
import { signedInUser } from '../support/sign-in';
import { REPO_ROOT, importsFromNode, outboundFindings, sourceFiles } from '../support/source-code';
import { TestApp, startTestApp } from '../support/test-app';
import { SmtpSink } from '../support/smtp-sink';
import { MailQueue } from '../../src/mail/mail-queue';

/**
 * OWASP API10:2023 Unsafe Consumption of APIs: trusting what a third-party API answers
 * (following its redirects, skipping validation of its data, no timeouts, plain HTTP). This API
 * consumes no upstream API: its data comes from its own clients (stations' data loggers, people),
 * validated as user input (API3, API4, API8), and the only services it talks to are its own
 * PostgreSQL database, optionally Redis for rate-limit counters, and optionally an SMTP relay
 * for account mail, each named by the operator in DATABASE_URL / REDIS_URL / SMTP_URL. SMTP is
 * the one outbound client, and it consumes no answers but the relay's accept/refuse: nothing a
 * client sends picks where it connects (only the recipient, which the relay delivers). So the
 * risk does not apply, and this file proves the premise:
 * 1. no dependency is an HTTP client or a third-party SDK; the one client package, nodemailer,
 *    is imported only by the SMTP adapter (src/mail/smtp.transport.ts), which connects only to
 *    SMTP_URL, with timeouts and STARTTLS required in production;
 * 2. no source file calls out (fetch, http(s).request, axios, got, sockets, DNS, child
 *    processes), and `node:http` is used only for types and status texts;
 * 3. a whole working session (login, station, key, ingest, reads, audit, readiness) opens no
 *    connection except to the database; the mailing flows connect to the SMTP_URL host only,
 *    whatever addresses and links the requests carry;
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
  it('no runtime dependency is an HTTP client or a third-party service SDK, but the SMTP client', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const dependencies = Object.keys(manifest.dependencies);
    expect(dependencies).toEqual(expect.arrayContaining(['pg', '@nestjs/core']));
    expect(dependencies.filter((name) => CLIENT_PACKAGES.test(name))).toEqual(['nodemailer']);
  });

  it('nodemailer is used by the SMTP adapter only, and only towards the configured SMTP_URL', () => {
    const users = sourceFiles().filter(({ text }) => /['"]nodemailer['"]/.test(text));
    expect(users.map(({ path }) => path)).toEqual(['src/mail/smtp.transport.ts']);
    const adapter = users[0].text;
    // One transporter, made from the operator's URL; a message sets no host, port or transport.
    expect(adapter.match(/createTransport\(/g)).toHaveLength(1);
    expect(adapter).toMatch(/url: options\.smtpUrl/);
    expect(adapter).toMatch(/requireTLS:/);
    expect(adapter).toMatch(/connectionTimeout:/);
    const sendMail = /sendMail\(\{([^}]*)\}\)/.exec(adapter)?.[1] ?? '';
    const fields = sendMail
      .split(',')
      .map((f) => f.trim().split(':')[0])
      .filter(Boolean);
    expect(fields.sort()).toEqual(['from', 'html', 'subject', 'text', 'to']);
  });

  it('no source file calls out: node:http and node:net serve only types, status texts, address checks and our own listeners', () => {
    const files = sourceFiles();
    const findings = outboundFindings(files);
    expect(findings).toEqual([]);
    // The import check reads what it should.
    expect(importsFromNode('http', "import { request, STATUS_CODES } from 'node:http';")).toEqual([
      'request',
      'STATUS_CODES',
    ]);
    expect(files.some(({ text }) => importsFromNode('http', text).includes('STATUS_CODES'))).toBe(
      true,
    );
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
    // `audit` and `mail` are the app's own queues (pending, dropped): not dependencies.
    const expected = t.config.redisUrl
      ? ['audit', 'database', 'mail', 'redis']
      : ['audit', 'database', 'mail'];
    expect(Object.keys((res.body as { info: object }).info).sort()).toEqual(expected);
  });
});

describe('API10: the mailing flows connect to the SMTP_URL host only (e2e)', () => {
  let sink: SmtpSink;
  let mailing: TestApp;
  beforeAll(async () => {
    sink = await SmtpSink.start();
    mailing = await startTestApp({ SMTP_URL: sink.url });
  });
  afterAll(async () => {
    await mailing.close();
    await sink.close();
  });

  it('register, resend and reset with addresses on other hosts reach only the relay', async () => {
    const connections = await outboundConnectionsDuring(mailing, async (base) => {
      // Recipients whose domains name other hosts (and a link-looking one): the relay gets them.
      const emails = ['someone@169.254.169.254.example', 'victim@internal.example'];
      for (const email of emails) {
        await request(base)
          .post('/v1/auth/register')
          .send({ email, password: 'a long enough password 1' })
          .expect(201);
        await request(base).post('/v1/auth/verify-email/resend').send({ email }).expect(202);
        await request(base).post('/v1/auth/password-reset/request').send({ email }).expect(202);
      }
      await mailing.app.get(MailQueue).idle();
    });
    expect(connections.length).toBeGreaterThan(0);
    expect(new Set(connections.map((c) => `${c.host}:${c.port}`))).toEqual(
      new Set([`127.0.0.1:${sink.port}`]),
    );
    expect(sink.messages.length).toBeGreaterThanOrEqual(4);
  });
});

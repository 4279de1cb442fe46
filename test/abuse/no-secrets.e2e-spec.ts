import request from 'supertest';
import { apiKeyHeader, splitKey } from '../support/api-keys';
import { flushAudit } from '../support/audit';
import { query } from '../support/database';
import { captureLogs } from '../support/logs';
import { uniqueObservation } from '../support/observations';
import { bearerHeader, newPassword, uniqueEmail } from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TEST_ADMIN, TestApp, startTestApp } from '../support/test-app';
import { SmtpSink, tokenIn } from '../support/smtp-sink';

/**
 * A full session at LOG_LEVEL=trace, every log line captured, then a search of every audit row
 * (as text) and every line for each secret the session handled: passwords (right and wrong),
 * access and refresh tokens, full API keys and their secret parts, mailed one-time tokens (the
 * mail read from a real SMTP server on loopback). None may appear.
 */
let t: TestApp;
let sink: SmtpSink;
const logs = captureLogs();

beforeAll(async () => {
  sink = await SmtpSink.start();
  t = await startTestApp(
    { LOG_LEVEL: 'trace', SMTP_URL: sink.url },
    { logDestination: logs.destination },
  );
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('no secrets in the audit log or the logs (e2e)', () => {
  it('a whole session leaves none of its secrets behind', async () => {
    const secrets: Record<string, string> = { adminPassword: TEST_ADMIN.password };
    const remember = (name: string, value: string) => {
      expect(value.length).toBeGreaterThanOrEqual(12);
      secrets[name] = value;
    };
    const server = () => request(t.server);

    // Register, log in (wrong, then right), refresh, me.
    const email = uniqueEmail('secrets');
    const password = newPassword();
    remember('password', password);
    expect((await server().post('/v1/auth/register').send({ email, password })).status).toBe(201);
    // Verify the address with the mailed link (only a verified account may become an operator).
    const verifyToken = tokenIn(await sink.waitFor(email));
    remember('verificationToken', verifyToken);
    expect((await server().post('/v1/auth/verify-email').send({ token: verifyToken })).status).toBe(
      204,
    );
    const wrongPassword = newPassword();
    remember('wrongPassword', wrongPassword);
    expect(
      (await server().post('/v1/auth/login').send({ email, password: wrongPassword })).status,
    ).toBe(401);
    const first = await server().post('/v1/auth/login').send({ email, password });
    expect(first.status).toBe(200);
    remember('accessToken', first.body.accessToken);
    remember('refreshToken', first.body.refreshToken);
    const refreshed = await server()
      .post('/v1/auth/refresh')
      .send({ refreshToken: first.body.refreshToken });
    expect(refreshed.status).toBe(200);
    remember('accessToken2', refreshed.body.accessToken);
    remember('refreshToken2', refreshed.body.refreshToken);
    const userId = (await server().get('/v1/auth/me').set(bearerHeader(refreshed.body.accessToken)))
      .body.id as string;

    // Change the password (a wrong current one first), log in again.
    const newPass = newPassword();
    remember('newPassword', newPass);
    expect(
      (
        await server()
          .post('/v1/auth/change-password')
          .set(bearerHeader(refreshed.body.accessToken))
          .send({ currentPassword: wrongPassword, newPassword: newPass })
      ).status,
    ).toBe(400);
    expect(
      (
        await server()
          .post('/v1/auth/change-password')
          .set(bearerHeader(refreshed.body.accessToken))
          .send({ currentPassword: password, newPassword: newPass })
      ).status,
    ).toBe(204);
    expect(
      (await server().patch(`/v1/users/${userId}`).set(t.auth).send({ role: 'operator' })).status,
    ).toBe(200);
    const second = await server().post('/v1/auth/login').send({ email, password: newPass });
    expect(second.status).toBe(200);
    remember('accessToken3', second.body.accessToken);
    remember('refreshToken3', second.body.refreshToken);
    const auth = bearerHeader(second.body.accessToken);

    // Reuse of a rotated refresh token (revokes that session).
    expect(
      (await server().post('/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }))
        .status,
    ).toBe(401);

    // A station, an API key used for reads and writes, rotated, the old one used, revoked.
    const station = await server().post('/v1/stations').set(auth).send(stationBody());
    expect(station.status).toBe(201);
    const created = await server()
      .post('/v1/api-keys')
      .set(auth)
      .send({ name: 'logger', scopes: ['stations:read', 'observations:write'] });
    expect(created.status).toBe(201);
    remember('apiKey', created.body.key);
    remember('apiKeySecret', splitKey(created.body.key).secret);
    expect((await server().get('/v1/stations').set(apiKeyHeader(created.body.key))).status).toBe(
      200,
    );
    expect(
      (
        await server()
          .post(`/v1/stations/${station.body.id}/observations`)
          .set(apiKeyHeader(created.body.key))
          .send([uniqueObservation(), uniqueObservation()])
      ).status,
    ).toBe(201);
    const rotated = await server().post(`/v1/api-keys/${created.body.id}/rotate`).set(auth);
    expect(rotated.status).toBe(201);
    remember('apiKey2', rotated.body.key);
    remember('apiKeySecret2', splitKey(rotated.body.key).secret);
    expect((await server().get('/v1/stations').set(apiKeyHeader(created.body.key))).status).toBe(
      200,
    ); // the old secret, within its grace period
    // A forged key: the real key id with a wrong secret.
    const forged = `wxk_${splitKey(rotated.body.key).keyId}_${'x'.repeat(43)}`;
    expect((await server().get('/v1/stations').set(apiKeyHeader(forged))).status).toBe(401);
    expect((await server().delete(`/v1/api-keys/${created.body.id}`).set(auth)).status).toBe(204);
    expect((await server().get('/v1/stations').set(apiKeyHeader(rotated.body.key))).status).toBe(
      401,
    );

    // Bodies that fail validation or parsing, with a password inside.
    expect(
      (await server().post('/v1/auth/login').send({ email, password: newPass, extra: newPass }))
        .status,
    ).toBe(400);
    expect(
      (
        await server()
          .post('/v1/auth/login')
          .set('Content-Type', 'application/json')
          .send(`{"email":"${email}","password":"${newPass}"`)
      ).status,
    ).toBe(400);
    // A credential in the wrong header: a key sent as a bearer token.
    expect((await server().get('/v1/auth/me').set(bearerHeader(rotated.body.key))).status).toBe(
      401,
    );

    // Log out; then drain everything that is written in the background.
    // Credentials in a URL are refused (401), and must not reach the logs through the URL either.
    const token = refreshed.body.accessToken as string;
    expect((await server().get(`/v1/auth/me?access_token=${token}`)).status).toBe(401);
    expect((await server().get(`/v1/stations?api_key=${rotated.body.key as string}`)).status).toBe(
      401,
    );
    expect((await server().post('/v1/auth/logout').set(auth)).status).toBe(204);

    // A forgotten password: the mailed reset token, a new password, the token replayed.
    expect((await server().post('/v1/auth/password-reset/request').send({ email })).status).toBe(
      202,
    );
    const resetToken = tokenIn(await sink.waitFor(email, 2));
    remember('resetToken', resetToken);
    const resetPassword = newPassword();
    remember('resetPassword', resetPassword);
    for (const status of [204, 400]) {
      const res = await server()
        .post('/v1/auth/password-reset/confirm')
        .send({ token: resetToken, newPassword: resetPassword });
      expect(res.status).toBe(status);
    }
    await flushAudit(t);

    const auditText = (
      await query<{ row: string }>(t, 'SELECT a::text AS row FROM audit_log a ORDER BY id')
    )
      .map((r) => r.row)
      .join('\n');
    const logText = logs.text();

    // The search is not vacuous: both places hold this session's traces.
    expect(auditText).toContain(userId);
    expect(auditText).toContain(created.body.id);
    expect(auditText).toContain('auth.refresh.reused');
    expect(t.config.logLevel).toBe('trace');
    expect(logs.lines.length).toBeGreaterThan(20);
    expect(logText).toContain(`/v1/api-keys/${created.body.id}/rotate`);
    expect(logText).toContain('"statusCode":401');

    const leaks = Object.entries(secrets).flatMap(([name, value]) => [
      ...(auditText.includes(value) ? [`${name} in audit_log`] : []),
      ...(logText.includes(value) ? [`${name} in logs`] : []),
    ]);
    expect(leaks).toEqual([]);
  });
});

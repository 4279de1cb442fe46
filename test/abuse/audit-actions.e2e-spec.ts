import { createHash } from 'node:crypto';
import request from 'supertest';
import type { Response } from 'supertest';
import { createKey } from '../support/api-keys';
import {
  AuditRow,
  actorOf,
  auditOf,
  flushAudit,
  waitForAudit,
  waitForAuditOf,
} from '../support/audit';
import { countWhere, query } from '../support/database';
import { sequential, statuses, times } from '../support/http';
import { uniqueObservation } from '../support/observations';
import { SignedInUser, newPassword, refresh, signedInUser, uniqueEmail } from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Every audited action, sent for real: each request leaves exactly one record (found by the
 * request id its response carried) with the right actor, outcome, status and resource. State
 * changes are written in the handler's transaction, so their record is there when the response
 * is; rejections go through the buffer, which the tests poll for.
 */
const VIEWER_LIMIT = 5;
const LOGIN_FAILURES = 5;

let t: TestApp;
let adminId: string;
let operator: SignedInUser;

beforeAll(async () => {
  // Generous limits (the test-app default), except two that tests here run into.
  t = await startTestApp({
    RATE_LIMIT_VIEWER_PER_MINUTE: String(VIEWER_LIMIT),
    RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: String(LOGIN_FAILURES),
  });
  adminId = (await request(t.server).get('/v1/auth/me').set(t.auth)).body.id as string;
  operator = await signedInUser(t, 'operator', { fromAnyIp: true });
});
afterAll(() => t.close());

const sha16 = (email: string) =>
  createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 16);

/**
 * The one record of a request written in its transaction: present with the response (read before
 * anything else is written), and still alone once the buffer is drained.
 */
async function onlyRecord(res: Response): Promise<AuditRow> {
  expect(await auditOf(t, res)).toHaveLength(1);
  await flushAudit(t);
  const rows = await auditOf(t, res);
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** The one record of a request written through the buffer. */
async function onlyBufferedRecord(res: Response): Promise<AuditRow> {
  const rows = await waitForAuditOf(t, res);
  expect(rows).toHaveLength(1);
  return rows[0];
}

const userActor = (u: { id: string; role: string }, method = 'jwt') => ({
  type: 'user',
  id: u.id,
  role: u.role,
  method,
});
const ANONYMOUS = { type: 'anonymous', id: null, role: null, method: null };

describe('authentication actions (e2e)', () => {
  it('auth.registered: anonymous actor, the new user as resource', async () => {
    const email = uniqueEmail('reg');
    const res = await request(t.server)
      .post('/v1/auth/register')
      .send({ email, password: newPassword() });
    expect(res.status).toBe(201);
    const row = await onlyRecord(res);
    expect(actorOf(row)).toEqual(ANONYMOUS);
    expect(row).toMatchObject({
      action: 'auth.registered',
      outcome: 'success',
      httpStatus: 201,
      resourceType: 'user',
      resourceId: res.body.id,
      route: 'POST /v1/auth/register',
    });
    expect(JSON.stringify(row)).not.toContain(email);
  });

  it('auth.login.succeeded: the user who logged in, by password; the email only as a fingerprint', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const res = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    const row = await onlyRecord(res);
    expect(actorOf(row)).toEqual(userActor(user, 'password'));
    expect(row).toMatchObject({
      action: 'auth.login.succeeded',
      outcome: 'success',
      httpStatus: 200,
      resourceId: user.id,
      details: { emailSha256: sha16(user.email) },
    });
  });

  it('auth.login.failed: anonymous, 401 denied, the email only as a fingerprint', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const res = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: newPassword() });
    expect(res.status).toBe(401);
    const row = await onlyBufferedRecord(res);
    expect(actorOf(row)).toEqual(ANONYMOUS);
    expect(row).toMatchObject({
      action: 'auth.login.failed',
      outcome: 'denied',
      httpStatus: 401,
      details: { emailSha256: sha16(user.email) },
    });
    expect(JSON.stringify(row)).not.toContain(user.email);
  });

  it('auth.refresh.succeeded: the session owner by refresh token, the session as resource', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const res = await refresh(t, user.session.refreshToken);
    expect(res.status).toBe(200);
    const row = await onlyRecord(res);
    const [session] = await query<{ id: string }>(
      t,
      'SELECT id FROM auth_sessions WHERE user_id = $1',
      [user.id],
    );
    expect(row).toMatchObject({
      action: 'auth.refresh.succeeded',
      outcome: 'success',
      httpStatus: 200,
      actorType: 'user',
      actorId: user.id,
      authMethod: 'refresh-token',
      resourceType: 'session',
      resourceId: session.id,
    });
  });

  it('auth.refresh.reused: one record, 401, and the family revocation is committed despite the error', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const rotated = await refresh(t, user.session.refreshToken);
    expect(rotated.status).toBe(200);
    const newest = rotated.body as { accessToken: string; refreshToken: string };

    const reuse = await refresh(t, user.session.refreshToken);
    expect(reuse.status).toBe(401);
    const row = await onlyRecord(reuse); // written in the transaction that revoked the family
    expect(row).toMatchObject({
      action: 'auth.refresh.reused',
      outcome: 'denied',
      httpStatus: 401,
      actorType: 'user',
      actorId: user.id,
      authMethod: 'refresh-token',
      resourceType: 'session',
    });
    // The revocation stands: the session is revoked in the database and nothing of it works.
    const revoked = await query<{ revoked_at: Date | null }>(
      t,
      'SELECT revoked_at FROM auth_sessions WHERE id = $1',
      [row.resourceId],
    );
    expect(revoked[0].revoked_at).not.toBeNull();
    expect((await refresh(t, newest.refreshToken)).status).toBe(401);
    expect(
      (
        await request(t.server)
          .get('/v1/auth/me')
          .set({ Authorization: `Bearer ${newest.accessToken}` })
      ).status,
    ).toBe(401);
    // Nothing else was recorded for the reuse request (no auth.refresh.failed from the buffer).
    expect(await waitForAuditOf(t, reuse)).toHaveLength(1);
  });

  it('auth.logout: the user by jwt, the session as resource, and the session ends', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const res = await request(t.server).post('/v1/auth/logout').set(user.auth);
    expect(res.status).toBe(204);
    const row = await onlyRecord(res);
    expect(actorOf(row)).toEqual(userActor(user));
    expect(row).toMatchObject({ action: 'auth.logout', outcome: 'success', httpStatus: 204 });
    const session = await query<{ revoked_at: Date | null }>(
      t,
      'SELECT revoked_at FROM auth_sessions WHERE id = $1',
      [row.resourceId],
    );
    expect(session[0].revoked_at).not.toBeNull();
  });

  it('auth.password.changed: the user as actor and resource; the old password stops working', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const res = await request(t.server)
      .post('/v1/auth/change-password')
      .set(user.auth)
      .send({ currentPassword: user.password, newPassword: newPassword() });
    expect(res.status).toBe(204);
    const row = await onlyRecord(res);
    expect(actorOf(row)).toEqual(userActor(user));
    expect(row).toMatchObject({
      action: 'auth.password.changed',
      outcome: 'success',
      httpStatus: 204,
      resourceType: 'user',
      resourceId: user.id,
    });
    expect(
      (
        await request(t.server)
          .post('/v1/auth/login')
          .send({ email: user.email, password: user.password })
      ).status,
    ).toBe(401);
  });
});

describe('API keys, stations, observations, users (e2e)', () => {
  it('apikey.created / apikey.rotated / apikey.revoked: the operator as actor, the key as resource', async () => {
    const created = await request(t.server)
      .post('/v1/api-keys')
      .set(operator.auth)
      .send({ name: 'audit', scopes: ['stations:read'] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const rotated = await request(t.server).post(`/v1/api-keys/${id}/rotate`).set(operator.auth);
    expect(rotated.status).toBe(201);
    const revoked = await request(t.server).delete(`/v1/api-keys/${id}`).set(operator.auth);
    expect(revoked.status).toBe(204);

    const expected: Array<[Response, string, number]> = [
      [created, 'apikey.created', 201],
      [rotated, 'apikey.rotated', 201],
      [revoked, 'apikey.revoked', 204],
    ];
    for (const [res, action, status] of expected) {
      const row = await onlyRecord(res);
      expect(actorOf(row)).toEqual(userActor(operator));
      expect(row).toMatchObject({
        action,
        outcome: 'success',
        httpStatus: status,
        resourceType: 'api-key',
        resourceId: id,
      });
    }
    const [key] = await query<{ revoked_at: Date | null }>(
      t,
      'SELECT revoked_at FROM api_keys WHERE id = $1',
      [id],
    );
    expect(key.revoked_at).not.toBeNull();
  });

  it('station.created / station.updated / station.deleted, each with the station as resource', async () => {
    const created = await request(t.server)
      .post('/v1/stations')
      .set(operator.auth)
      .send(stationBody());
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const updated = await request(t.server)
      .patch(`/v1/stations/${id}`)
      .set(operator.auth)
      .send({ name: 'Renamed' });
    expect(updated.status).toBe(200);
    const deleted = await request(t.server).delete(`/v1/stations/${id}`).set(operator.auth);
    expect(deleted.status).toBe(204);

    const expected: Array<[Response, string, number, string]> = [
      [created, 'station.created', 201, 'POST /v1/stations'],
      [updated, 'station.updated', 200, 'PATCH /v1/stations/:id'],
      [deleted, 'station.deleted', 204, 'DELETE /v1/stations/:id'],
    ];
    for (const [res, action, status, route] of expected) {
      const row = await onlyRecord(res);
      expect(actorOf(row)).toEqual(userActor(operator));
      expect(row).toMatchObject({
        action,
        outcome: 'success',
        httpStatus: status,
        resourceType: 'station',
        resourceId: id,
        route,
      });
    }
    expect(await countWhere(t, 'stations', 'id = $1', [id])).toBe(0);
  });

  it('observations.ingested by an API key: the key as actor (owner role), details.count = batch size', async () => {
    const station = await request(t.server)
      .post('/v1/stations')
      .set(operator.auth)
      .send(stationBody());
    const key = await createKey(t, operator.auth, { scopes: ['observations:write'] });
    const batch = [uniqueObservation(), uniqueObservation(), uniqueObservation()];
    const res = await request(t.server)
      .post(`/v1/stations/${station.body.id}/observations`)
      .set(key.auth)
      .send(batch);
    expect(res.status).toBe(201);
    const row = await onlyRecord(res);
    expect(actorOf(row)).toEqual({
      type: 'api-key',
      id: key.id,
      role: 'operator',
      method: 'api-key',
    });
    expect(row).toMatchObject({
      action: 'observations.ingested',
      outcome: 'success',
      httpStatus: 201,
      resourceType: 'station',
      resourceId: station.body.id,
      details: { count: batch.length },
    });
    expect(await countWhere(t, 'observations', 'station_id = $1', [station.body.id])).toBe(3);
    // A single observation counts 1.
    const one = await request(t.server)
      .post(`/v1/stations/${station.body.id}/observations`)
      .set(key.auth)
      .send(uniqueObservation());
    expect((await onlyRecord(one)).details).toEqual({ count: 1 });
  });

  it('user.updated (role) and user.disabled: the admin as actor, the user as resource', async () => {
    const target = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const promoted = await request(t.server)
      .patch(`/v1/users/${target.id}`)
      .set(t.auth)
      .send({ role: 'operator' });
    expect(promoted.status).toBe(200);
    const disabled = await request(t.server)
      .patch(`/v1/users/${target.id}`)
      .set(t.auth)
      .send({ disabled: true });
    expect(disabled.status).toBe(200);

    const admin = { id: adminId, role: 'admin' };
    expect(await onlyRecord(promoted)).toMatchObject({
      action: 'user.updated',
      outcome: 'success',
      httpStatus: 200,
      actorId: admin.id,
      actorRole: 'admin',
      authMethod: 'jwt',
      resourceType: 'user',
      resourceId: target.id,
      details: { role: 'operator' },
    });
    expect(await onlyRecord(disabled)).toMatchObject({
      action: 'user.disabled',
      outcome: 'success',
      httpStatus: 200,
      actorId: admin.id,
      resourceId: target.id,
      details: { disabled: true },
    });
    expect((await request(t.server).get('/v1/auth/me').set(target.auth)).status).toBe(401);
  });
});

describe('failures and rejections (e2e)', () => {
  it('a failed mutation (duplicate station code, 409) writes its failure record and no row', async () => {
    const first = await request(t.server)
      .post('/v1/stations')
      .set(operator.auth)
      .send(stationBody());
    expect(first.status).toBe(201);
    const duplicate = await request(t.server)
      .post('/v1/stations')
      .set(operator.auth)
      .send(stationBody({ code: first.body.code }));
    expect(duplicate.status).toBe(409);

    const row = await onlyBufferedRecord(duplicate);
    expect(actorOf(row)).toEqual(userActor(operator));
    expect(row).toMatchObject({
      action: 'station.create.failed',
      outcome: 'invalid',
      httpStatus: 409,
      resourceType: 'station',
      resourceId: null,
    });
    expect(await countWhere(t, 'stations', 'code = $1', [first.body.code])).toBe(1);
    expect(
      await waitForAudit(t, { action: 'station.created', resourceId: first.body.id }),
    ).toHaveLength(1);
  });

  it('access.denied 401: anonymous caller, the route, the generic reason', async () => {
    const res = await request(t.server).get('/v1/stations');
    expect(res.status).toBe(401);
    const row = await onlyBufferedRecord(res);
    expect(actorOf(row)).toEqual(ANONYMOUS);
    expect(row).toMatchObject({
      action: 'access.denied',
      outcome: 'denied',
      httpStatus: 401,
      route: 'GET /v1/stations',
      reason: 'Missing or invalid credentials.',
    });
  });

  it('access.denied 403: the authenticated caller with the wrong role; nothing is created', async () => {
    const viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const before = await countWhere(t, 'stations');
    const res = await request(t.server).post('/v1/stations').set(viewer.auth).send(stationBody());
    expect(res.status).toBe(403);
    const row = await onlyBufferedRecord(res);
    expect(actorOf(row)).toEqual(userActor(viewer));
    expect(row).toMatchObject({
      action: 'access.denied',
      outcome: 'denied',
      httpStatus: 403,
      route: 'POST /v1/stations',
      reason: 'Your role does not allow this.',
    });
    expect(await countWhere(t, 'stations')).toBe(before);
  });

  it('rate_limit.exceeded: sum(occurrences) equals the number of 429s', async () => {
    const viewer = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const over = 7;
    const responses = await sequential(VIEWER_LIMIT + over, () =>
      request(t.server).get('/v1/stations').set(viewer.auth),
    );
    expect(statuses(responses)).toEqual([...times(VIEWER_LIMIT, 200), ...times(over, 429)]);
    const rows = await waitForAudit(t, { action: 'rate_limit.exceeded', actorId: viewer.id }, 1);
    expect(rows.reduce((sum, r) => sum + r.occurrences, 0)).toBe(over);
    for (const row of rows) {
      expect(actorOf(row)).toEqual(userActor(viewer));
      expect(row).toMatchObject({
        outcome: 'throttled',
        httpStatus: 429,
        route: 'GET /v1/stations',
        reason: 'limit identity',
        details: { limit: 'identity' },
      });
    }
  });

  it('request.invalid: a 400 from a pipe on an unaudited route', async () => {
    const res = await request(t.server).get('/v1/stations?limit=many').set(operator.auth);
    expect(res.status).toBe(400);
    const row = await onlyBufferedRecord(res);
    expect(actorOf(row)).toEqual(userActor(operator));
    expect(row).toMatchObject({
      action: 'request.invalid',
      outcome: 'invalid',
      httpStatus: 400,
      route: 'GET /v1/stations',
    });
  });

  it('a locked login is recorded as a throttled auth.login.failed', async () => {
    const user = await signedInUser(t, 'viewer', { fromAnyIp: true });
    const failures = await sequential(LOGIN_FAILURES, () =>
      request(t.server).post('/v1/auth/login').send({ email: user.email, password: newPassword() }),
    );
    expect(statuses(failures)).toEqual(times(LOGIN_FAILURES, 401));
    const locked = await request(t.server)
      .post('/v1/auth/login')
      .send({ email: user.email, password: user.password });
    expect(locked.status).toBe(429);
    const row = await onlyBufferedRecord(locked);
    expect(actorOf(row)).toEqual(ANONYMOUS);
    expect(row).toMatchObject({
      action: 'auth.login.failed',
      outcome: 'throttled',
      httpStatus: 429,
      details: { emailSha256: sha16(user.email) },
    });
  });
});

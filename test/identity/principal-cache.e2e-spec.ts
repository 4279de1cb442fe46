import request from 'supertest';
import { SigningKeyRing } from '../../src/security/jwt/keys/signing-key-ring.service';
import { createKey } from '../support/api-keys';
import { apiKeyHeader } from '../support/api-keys';
import { AUTH_TABLES, cacheOf, queriesDuring, readStation } from '../support/principal-cache';
import { adminPatchUser, login, logout, refresh, signedInUser } from '../support/sign-in';
import { TokenService } from '../../src/security/jwt/token.service';
import { createStation } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * The principal cache takes the database out of a warm request's authentication, and every
 * revocation still applies to the very next request on the instance that made it: the change's
 * own notification reaches the cache before the change's request answers. (Across instances:
 * test/principal-cache-multi-instance.e2e-spec.ts.)
 */
describe('principal cache on one instance (e2e)', () => {
  let t: TestApp;
  let stationId: string;
  beforeAll(async () => {
    t = await startTestApp();
    stationId = (await createStation(t)).id;
  });
  afterAll(() => t.close());

  /** Two reads: the first fills the cache, the second must be answered from it. */
  async function warm(headers: Record<string, string>): Promise<void> {
    for (let i = 0; i < 2; i += 1)
      expect((await readStation(t, stationId, headers)).status).toBe(200);
  }

  it('authenticates a warm JWT and a warm API key with zero database queries', async () => {
    const operator = await signedInUser(t, 'operator');
    const key = await createKey(t, operator.auth, { scopes: ['stations:read'] });
    for (const headers of [operator.auth, key.auth]) {
      cacheOf(t).flush();
      const cold = await queriesDuring(t.dataSource, () => warm(headers));
      // The first read only (a key's once-a-minute last_used_at stamp is a write, not a check).
      expect(cold.filter((sql) => sql.startsWith('SELECT') && AUTH_TABLES.test(sql))).toHaveLength(
        1,
      );
      const hits = cacheOf(t).stats().hits;
      const queries = await queriesDuring(t.dataSource, async () => {
        expect((await readStation(t, stationId, headers)).status).toBe(200);
      });
      expect(queries.filter((sql) => AUTH_TABLES.test(sql))).toEqual([]);
      expect(queries).toHaveLength(1); // the station itself
      expect(cacheOf(t).stats().hits).toBe(hits + 1);
    }
  });

  it('refuses a logged-out token on the next request', async () => {
    const viewer = await signedInUser(t, 'viewer');
    await warm(viewer.auth);
    expect((await logout(t, viewer.auth)).status).toBe(204);
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(401);
  });

  it('refuses a revoked key on the next request, and takes a rotated secret at once', async () => {
    const operator = await signedInUser(t, 'operator');
    const key = await createKey(t, operator.auth, { scopes: ['stations:read'] });
    await warm(key.auth);
    const rotated = await request(t.server)
      .post(`/v1/api-keys/${key.id}/rotate`)
      .set(operator.auth);
    expect(rotated.status).toBe(201);
    const fresh = apiKeyHeader((rotated.body as { key: string }).key);
    expect((await readStation(t, stationId, fresh)).status).toBe(200); // not the cached old hash
    await warm(fresh);
    expect(
      (await request(t.server).delete(`/v1/api-keys/${key.id}`).set(operator.auth)).status,
    ).toBe(204);
    for (const headers of [fresh, key.auth]) {
      expect((await readStation(t, stationId, headers)).status).toBe(401);
    }
  });

  it('refuses a disabled user’s token and key on the next request', async () => {
    const operator = await signedInUser(t, 'operator');
    const key = await createKey(t, operator.auth, { scopes: ['stations:read'] });
    await warm(operator.auth);
    await warm(key.auth);
    await adminPatchUser(t, operator.id, { disabled: true });
    expect((await readStation(t, stationId, operator.auth)).status).toBe(401);
    expect((await readStation(t, stationId, key.auth)).status).toBe(401);
  });

  it('applies a role change to the next request', async () => {
    const operator = await signedInUser(t, 'operator');
    const createStationAs = () =>
      request(t.server).post('/v1/stations').set(operator.auth).send({});
    expect((await createStationAs()).status).toBe(400); // allowed, then the empty body is refused
    await warm(operator.auth);
    await adminPatchUser(t, operator.id, { role: 'viewer' });
    expect((await createStationAs()).status).toBe(403);
  });

  it('refuses every token of a user whose password changed, on the next request', async () => {
    const viewer = await signedInUser(t, 'viewer');
    await warm(viewer.auth);
    const changed = await request(t.server)
      .post('/v1/auth/change-password')
      .set(viewer.auth)
      .send({ currentPassword: viewer.password, newPassword: `${viewer.password}-new` });
    expect(changed.status).toBe(204);
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(401);
  });

  it('refuses a session ended by its owner (one, then every other) or by an admin, on the next request', async () => {
    const operator = await signedInUser(t, 'operator');
    const [other, third] = [await login(t, operator), await login(t, operator)];
    const sidOf = (session: { accessToken: string }) =>
      (
        JSON.parse(Buffer.from(session.accessToken.split('.')[1], 'base64url').toString()) as {
          sid: string;
        }
      ).sid;
    const status = async (session: { auth: Record<string, string> }) =>
      (await readStation(t, stationId, session.auth)).status;
    for (const session of [operator.session, other, third]) await warm(session.auth);

    await request(t.server)
      .delete(`/v1/auth/sessions/${sidOf(other)}`)
      .set(operator.auth)
      .expect(204);
    expect(await status(other)).toBe(401);
    expect(await status(third)).toBe(200); // still served from the cache

    await request(t.server).post('/v1/auth/sessions/revoke-others').set(operator.auth).expect(200);
    expect(await status(third)).toBe(401);
    expect(await status(operator.session)).toBe(200);

    await request(t.server)
      .post(`/v1/users/${operator.id}/sessions/revoke`)
      .set(t.auth)
      .expect(200);
    expect(await status(operator.session)).toBe(401);
  });

  it('refuses every access token of a session whose refresh token was reused', async () => {
    const viewer = await signedInUser(t, 'viewer');
    await warm(viewer.auth);
    expect((await refresh(t, viewer.session.refreshToken)).status).toBe(200);
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(200);
    expect((await refresh(t, viewer.session.refreshToken)).status).toBe(401); // reuse
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(401);
  });

  it('sees a change written past every service (plain SQL): the triggers announce it', async () => {
    const viewer = await signedInUser(t, 'viewer');
    await warm(viewer.auth);
    await t.dataSource.query(`UPDATE auth_sessions SET revoked_at = now() WHERE user_id = $1`, [
      viewer.id,
    ]);
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(401);
  });

  it('refuses an expired key without any change being announced', async () => {
    const operator = await signedInUser(t, 'operator');
    const expiresAt = new Date(Date.now() + 1500);
    const key = await createKey(t, operator.auth, {
      scopes: ['stations:read'],
      expiresAt: expiresAt.toISOString(),
    });
    await warm(key.auth);
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
    expect((await readStation(t, stationId, key.auth)).status).toBe(401);
  });

  it('refuses tokens of a revoked signing key on the next request (last: the admin’s too)', async () => {
    const viewer = await signedInUser(t, 'viewer');
    await warm(viewer.auth);
    const ring = t.app.get(SigningKeyRing);
    const current = (await ring.status()).find((key) => key.state === 'current');
    await ring.revoke(current!.kid);
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(401);
  });

  it('refuses every token once every session is ended (sessions:end-all)', async () => {
    const viewer = await signedInUser(t, 'viewer');
    await warm(viewer.auth);
    expect(await t.app.get(TokenService).endEverySession()).toBeGreaterThan(0);
    expect((await readStation(t, stationId, viewer.auth)).status).toBe(401);
  });
});

import request from 'supertest';
import { createKey } from '../support/api-keys';
import { sendTogether } from '../support/concurrent-requests';
import { countWhere, query, snapshot } from '../support/database';
import { call, expectStatus } from '../support/http';
import { expectNoSecretMaterial } from '../support/leaks';
import { expectUnauthenticated } from '../support/problems';
import {
  SignedInUser,
  adminPatchUser,
  createUser,
  login,
  me,
  newPassword,
  refresh,
  signedInUser,
  uniqueEmail,
} from '../support/sign-in';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { UsersService } from '../../src/users/users.service';

/**
 * User administration: admins change roles (effective on the next request, same token) and
 * disable accounts (every session and key ends at once), but never lock themselves out.
 */

let t: TestApp;
let adminId: string;

beforeAll(async () => {
  t = await startTestApp();
  adminId = ((await me(t, t.auth)).body as { id: string }).id;
});
afterAll(() => t.close());

const patchUser = (id: string, body: object, headers = t.auth) =>
  call(t, 'PATCH', `/v1/users/${id}`, headers, body);

describe('disabling a user (e2e)', () => {
  it('revokes every session and every key of the user at once', async () => {
    const user = await signedInUser(t, 'operator');
    const second = await login(t, user);
    const keys = await Promise.all([
      createKey(t, user.auth, { scopes: ['stations:read'] }),
      createKey(t, user.auth, { scopes: ['observations:read'] }),
    ]);
    const bystander = await signedInUser(t, 'operator');
    const bystanderKey = await createKey(t, bystander.auth, { scopes: ['stations:read'] });

    const res = await patchUser(user.id, { disabled: true });

    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: user.id, disabledAt: expect.any(String) });
    expect(
      await countWhere(t, 'auth_sessions', 'user_id = $1 AND revoked_at IS NULL', [user.id]),
    ).toBe(0);
    expect(
      await countWhere(t, 'auth_sessions', "user_id = $1 AND revoked_reason = 'user_disabled'", [
        user.id,
      ]),
    ).toBe(2);
    expect(await countWhere(t, 'api_keys', 'owner_id = $1 AND revoked_at IS NULL', [user.id])).toBe(
      0,
    );

    const before = await snapshot(t);
    for (const session of [user.session, second]) {
      expectUnauthenticated(await me(t, session.auth));
      expectUnauthenticated(await call(t, 'POST', '/v1/stations', session.auth, stationBody()));
      expectUnauthenticated(await refresh(t, session.refreshToken));
    }
    for (const key of keys) expectUnauthenticated(await call(t, 'GET', '/v1/stations', key.auth));
    expect(await snapshot(t)).toEqual(before);

    // Nobody else is affected.
    expectStatus(await me(t, bystander.auth), 200);
    expectStatus(await call(t, 'GET', '/v1/stations', bystanderKey.auth), 200);
  });

  it('enabling the user again lets them log in anew; old sessions stay ended', async () => {
    const user = await signedInUser(t, 'viewer');
    await adminPatchUser(t, user.id, { disabled: true });
    await adminPatchUser(t, user.id, { disabled: false });

    expectUnauthenticated(await me(t, user.auth));
    expectStatus(await me(t, (await login(t, user)).auth), 200);
  });
});

describe('changing a role (e2e)', () => {
  it('a promotion takes effect on the next request with the same token', async () => {
    const user = await signedInUser(t, 'viewer');
    const before = await snapshot(t);
    expectStatus(await call(t, 'POST', '/v1/stations', user.auth, stationBody()), 403);
    expect(await snapshot(t)).toEqual(before);

    await adminPatchUser(t, user.id, { role: 'operator' });

    expectStatus(await call(t, 'POST', '/v1/stations', user.auth, stationBody()), 201);
    expect((await me(t, user.auth)).body).toMatchObject({ role: 'operator' });
  });

  it('a demotion takes effect on the next request with the same token', async () => {
    const user = await signedInUser(t, 'admin');
    expectStatus(await call(t, 'GET', '/v1/users', user.auth), 200);

    await adminPatchUser(t, user.id, { role: 'operator' });

    const before = await snapshot(t);
    expectStatus(await call(t, 'GET', '/v1/users', user.auth), 403);
    expectStatus(await patchUser(user.id, { role: 'admin' }, user.auth), 403);
    expect(await snapshot(t)).toEqual(before);
    expectStatus(await call(t, 'POST', '/v1/stations', user.auth, stationBody()), 201);
  });

  it('an operator cannot promote themselves (403, role unchanged)', async () => {
    const user = await signedInUser(t, 'operator');
    const before = await snapshot(t);
    expectStatus(await patchUser(user.id, { role: 'admin' }, user.auth), 403);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('admins and their own account (e2e)', () => {
  it.each([
    ['disable themselves', { disabled: true }],
    ['demote themselves to operator', { role: 'operator' }],
    ['demote themselves to viewer', { role: 'viewer' }],
    ['demote and disable at once', { role: 'viewer', disabled: true }],
  ])('an admin cannot %s: 400, nothing changed', async (_name, body) => {
    const before = await snapshot(t);
    expectStatus(await patchUser(adminId, body), 400);
    expect(await snapshot(t)).toEqual(before);
    expectStatus(await call(t, 'GET', '/v1/users', t.auth), 200);
  });

  it('another admin can change an admin', async () => {
    const second = await createUser(t, 'admin');
    expectStatus(await patchUser(second.id, { role: 'viewer' }), 200);
    const [row] = await query(t, 'SELECT role FROM users WHERE id = $1', [second.id]);
    expect(row.role).toBe('viewer');
  });
});

describe('what an admin PATCH accepts (e2e)', () => {
  it.each([
    ['an unknown role', { role: 'root' }],
    ['an email', { email: 'taken@test.example' }],
    ['a passwordHash', { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y' }],
    ['disabledAt', { disabledAt: null }],
    ['disabled as a string', { disabled: 'true' }],
  ])('%s -> 400, nothing changed', async (_name, body) => {
    const user = await createUser(t, 'viewer');
    const before = await snapshot(t);
    expectStatus(await patchUser(user.id, body), 400);
    expect(await snapshot(t)).toEqual(before);
  });

  it('an empty body is a no-op (200), not an error', async () => {
    const user = await createUser(t, 'viewer');
    const before = await snapshot(t);
    const res = await patchUser(user.id, {});
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: user.id, role: 'viewer', disabledAt: null });
    expect(await snapshot(t)).toEqual(before);
  });

  it('an unknown user id -> 404, a malformed one -> 400', async () => {
    const before = await snapshot(t);
    expectStatus(await patchUser('3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11', { role: 'admin' }), 404);
    expectStatus(await patchUser('1 OR 1=1', { role: 'admin' }), 400);
    expect(await snapshot(t)).toEqual(before);
  });
});

describe('responses never carry password or key hashes (e2e)', () => {
  it('users list, one user, PATCH, register and me', async () => {
    const user = await signedInUser(t, 'operator');
    const list = await call(t, 'GET', '/v1/users', t.auth);
    expect((list.body as { data: unknown[] }).data).toHaveLength(await countWhere(t, 'users'));
    const responses = [
      list,
      await call(t, 'GET', `/v1/users/${user.id}`, t.auth),
      await patchUser(user.id, { role: 'operator' }),
      await me(t, user.auth),
      await me(t, t.auth),
      await request(t.server)
        .post('/v1/auth/register')
        .send({ email: `hash-scan-${Date.now()}@test.example`, password: 'long-enough-password' }),
    ];
    for (const res of responses) {
      expect(res.status).toBeLessThan(300);
      expectNoSecretMaterial(res);
    }
    for (const entry of (list.body as { data: Record<string, unknown>[] }).data) {
      expect(Object.keys(entry).sort()).toEqual([
        'createdAt',
        'disabledAt',
        'email',
        'emailVerifiedAt',
        'id',
        'role',
      ]);
    }
  });

  it('api-keys create, rotate, list and get', async () => {
    const user: SignedInUser = await signedInUser(t, 'operator');
    const created = await call(t, 'POST', '/v1/api-keys', user.auth, {
      name: 'scan',
      scopes: ['stations:read'],
    });
    const id = (created.body as { id: string }).id;
    const responses = [
      created,
      await call(t, 'POST', `/v1/api-keys/${id}/rotate`, user.auth),
      await call(t, 'GET', '/v1/api-keys', user.auth),
      await call(t, 'GET', '/v1/api-keys', t.auth),
      await call(t, 'GET', `/v1/api-keys/${id}`, user.auth),
    ];
    for (const res of responses) {
      expect(res.status).toBeLessThan(300);
      expectNoSecretMaterial(res);
    }
  });
});

describe('the last admin (e2e): two admins demoting each other at once', () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await startTestApp();
  });
  afterAll(() => r?.close());

  const enabledAdmins = async () =>
    query<{ id: string }>(r, "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL");

  /** A new admin, promoted by `by` (an admin's headers), signed in. */
  async function newAdmin(
    by: Record<string, string>,
  ): Promise<{ id: string; auth: Record<string, string> }> {
    const user = { email: uniqueEmail('admin'), password: newPassword() };
    const registered = await request(r.server).post('/v1/auth/register').send(user);
    expectStatus(registered, 201);
    const id = (registered.body as { id: string }).id;
    // Setup: the address counts as verified (only verified accounts may be made admin).
    await query(r, 'UPDATE users SET email_verified_at = now() WHERE id = $1', [id]);
    expectStatus(await call(r, 'PATCH', `/v1/users/${id}`, by, { role: 'admin' }), 200);
    const { auth } = await login(r, user);
    // One request first, so both racers authenticate from the principal cache and meet in the
    // service (the race under test): a cold check could wait behind the winner's commit and be
    // refused earlier, at authentication.
    expectStatus(await call(r, 'GET', '/v1/users', auth), 200);
    return { id, auth };
  }

  it('-> one 200 and one 403: an enabled admin always remains, whether demoting or disabling (x4)', async () => {
    let survivor = { id: ((await me(r, r.auth)).body as { id: string }).id, auth: r.auth };
    const changes = [
      { role: 'viewer' },
      { disabled: true },
      { role: 'operator' },
      { disabled: true },
    ];
    for (const change of changes) {
      const other = await newAdmin(survivor.auth);
      expect(await enabledAdmins()).toHaveLength(2);
      const pair = [survivor, other];
      const lock = {
        sql: 'SELECT 1 FROM users WHERE id = ANY($1::uuid[]) FOR UPDATE',
        params: [pair.map((admin) => admin.id)],
      };
      const [first, second] = await sendTogether(r, lock, [
        () => call(r, 'PATCH', `/v1/users/${other.id}`, survivor.auth, change),
        () => call(r, 'PATCH', `/v1/users/${survivor.id}`, other.auth, change),
      ]);

      expect([first.status, second.status].sort()).toEqual([200, 403]);
      const refused = first.status === 403 ? first : second;
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      const admins = await enabledAdmins();
      expect(admins).toHaveLength(1);
      survivor = first.status === 200 ? survivor : other;
      expect(admins[0].id).toBe(survivor.id);
      expectStatus(await call(r, 'GET', '/v1/users', survivor.auth), 200);
    }
  });

  it('the service refuses to remove the last enabled admin even when asked by that admin', async () => {
    const [only] = await enabledAdmins();
    const before = await snapshot(r);
    await expect(
      r.app
        .get(UsersService)
        .updateAsAdmin(only.id, only.id, { role: 'viewer' }, () => Promise.resolve()),
    ).rejects.toMatchObject({ status: 409 });
    expect(await snapshot(r)).toEqual(before);
  });
});

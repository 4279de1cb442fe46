import request from 'supertest';
import { captureLogs } from '../support/logs';
import { newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * A database error on a write that carries a secret must not put the secret in the log. The
 * writes really fail in PostgreSQL: the test adds a CHECK constraint that the next write breaks
 * (NOT VALID, so existing rows stay), the way a bad migration or a full disk would surprise us.
 */
describe('no parameter value, hash or password in any log line (e2e)', () => {
  const logs = captureLogs();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: logs.destination });
  });
  afterAll(() => t.close());

  async function sabotage(constraint: string, check: string): Promise<() => Promise<void>> {
    await t.dataSource.query(
      `ALTER TABLE users ADD CONSTRAINT ${constraint} CHECK (${check}) NOT VALID`,
    );
    return async () => {
      await t.dataSource.query(`ALTER TABLE users DROP CONSTRAINT ${constraint}`);
    };
  }

  const hashes = async (): Promise<string[]> =>
    (await t.dataSource.query<Array<{ h: string }>>('SELECT password_hash AS h FROM users')).map(
      (row) => row.h,
    );

  it('register fails in the database: 500, and the log has the SQLSTATE and SQL, not the values', async () => {
    const email = uniqueEmail('sabotaged');
    const password = newPassword();
    const restore = await sabotage('test_no_new_users', `email <> '${email}'`);
    try {
      const res = await request(t.server).post('/v1/auth/register').send({ email, password });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toMatch(/INSERT|users|23514/);
    } finally {
      await restore();
    }
    const text = logs.text();
    // The control: the failure is in the log, with what an operator needs.
    expect(text).toContain('"code":"23514"');
    expect(text).toMatch(/"query":"INSERT INTO \\"users\\"/);
    for (const secret of [password, email, '$argon2id$']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"parameters"|"driverError"/);
  });

  it('change-password fails in the database: neither password nor the new hash is logged', async () => {
    const user = await signedInUser(t, 'viewer');
    const before = new Set(await hashes());
    const next = newPassword();
    const restore = await sabotage('test_no_password_change', 'false');
    try {
      const res = await request(t.server)
        .post('/v1/auth/change-password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: next });
      expect(res.status).toBe(500);
    } finally {
      await restore();
    }
    expect(new Set(await hashes())).toEqual(before);
    const text = logs.text();
    expect(text).toContain('"code":"23514"');
    for (const secret of [user.password, next, '$argon2id$']) expect(text).not.toContain(secret);
    for (const hash of before) expect(text).not.toContain(hash.slice(-20));
  });
});

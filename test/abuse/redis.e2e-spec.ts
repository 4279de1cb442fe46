import request from 'supertest';
import { waitForAudit } from '../support/audit';
import { anyIp, fromIp, sequential, statuses, times, uniqueIp } from '../support/http';
import { strongJwtSecret } from '../support/jwt';
import { expectThrottled, rateHeader } from '../support/rate-limits';
import { newPassword, signedInUser, uniqueEmail } from '../support/sign-in';
import { TestApp, startTestApp } from '../support/test-app';

/**
 * Two instances of the app in one process, sharing one Redis (REDIS_URL), each on its own
 * database. Runs only when REDIS_URL is set (CI's Redis step; locally:
 * `REDIS_URL=redis://127.0.0.1:6379/15 npm run test:e2e -- test/abuse/redis.e2e-spec.ts`).
 * No FLUSHDB: every counter these tests touch is keyed by an address from uniqueIp() (random
 * per process), a new user id or a new email, so runs and other users of the Redis never meet.
 */
const REDIS_URL = process.env.REDIS_URL;

// Only limits keyed by something new per run are tight. The bootstrap admin's login at each
// start comes from 127.0.0.1, so the login-per-IP limit stays generous here (it is covered in
// throttling.e2e-spec.ts) and the per-IP one leaves room for many starts a minute.
const LIMITS = { ip: 40, operator: 6, registerIp: 3, loginFailures: 5 };

const SHARED_DATABASE = Boolean(process.env.DATABASE_URL);

// Without REDIS_URL there is nothing to share: the in-memory storage is covered elsewhere.
const describeWithRedis = REDIS_URL ? describe : describe.skip;

describeWithRedis('two instances sharing Redis (e2e)', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const env = {
      REDIS_URL,
      TRUST_PROXY: 'loopback',
      // Instances of one deployment share the signing key (and, below, the database).
      JWT_SECRET: strongJwtSecret(),
      RATE_LIMIT_IP_PER_MINUTE: String(LIMITS.ip),
      RATE_LIMIT_OPERATOR_PER_MINUTE: String(LIMITS.operator),
      RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: String(LIMITS.registerIp),
      RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: String(LIMITS.loginFailures),
    };
    a = await startTestApp(env);
    // On a PostgreSQL server both instances use a's database, as a real deployment would; on
    // embedded PGlite (one connection, one process) each has its own.
    b = await startTestApp(SHARED_DATABASE ? { ...env, DATABASE_URL: a.config.database.url } : env);
  });
  afterAll(async () => {
    // b first: closing a drops the database b may be using.
    await b?.close();
    await a?.close();
  });

  /** Instance a for even i, b for odd i. */
  const either = (i: number) => (i % 2 === 0 ? a : b);

  it('/health/ready includes a redis check on both', async () => {
    for (const t of [a, b]) {
      expect(t.config.redisUrl).toBe(REDIS_URL);
      const res = await request(t.server).get('/health/ready');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        details: { database: { status: 'up' }, redis: { status: 'up' } },
      });
    }
  });

  it('the IP limit is shared: requests alternating between instances hit 429 at limit+1 in total', async () => {
    const ip = uniqueIp();
    const responses = await sequential(LIMITS.ip, (i) =>
      request(either(i).server).get('/health/live').set(fromIp(ip)),
    );
    expect(statuses(responses)).toEqual(times(LIMITS.ip, 200));
    expect(responses.map((r) => rateHeader(r, 'remaining', 'ip'))).toEqual(
      Array.from({ length: LIMITS.ip }, (_, i) => LIMITS.ip - 1 - i),
    );
    for (const t of [a, b, a]) {
      expectThrottled(await request(t.server).get('/health/live').set(fromIp(ip)), 'ip', LIMITS.ip);
    }
    // Another address is untouched on both.
    for (const t of [a, b]) {
      expect((await request(t.server).get('/health/live').set(anyIp())).status).toBe(200);
    }
  });

  it('a concurrent burst split across both instances lets exactly `limit` requests through', async () => {
    const ip = uniqueIp();
    const burst = await Promise.all(
      Array.from({ length: LIMITS.ip + 10 }, (_, i) =>
        request(either(i).server).get('/health/live').set(fromIp(ip)),
      ),
    );
    expect(burst.filter((r) => r.status === 200)).toHaveLength(LIMITS.ip);
    const refused = burst.filter((r) => r.status === 429);
    expect(refused).toHaveLength(10);
    for (const res of refused) expectThrottled(res, 'ip', LIMITS.ip);
  });

  (SHARED_DATABASE ? it : it.skip)(
    'a per-user limit is shared: one user across both instances gets `limit` requests in total',
    async () => {
      // Needs one database behind both instances (a PostgreSQL server): a user of a's database
      // is unknown to an instance with its own.
      const user = await signedInUser(a, 'operator', { fromAnyIp: true });
      const sequentialHalf = await sequential(LIMITS.operator, (i) =>
        request(either(i).server).get('/v1/auth/me').set(anyIp()).set(user.auth),
      );
      expect(statuses(sequentialHalf)).toEqual(times(LIMITS.operator, 200));
      expect(sequentialHalf.map((r) => rateHeader(r, 'remaining', 'identity'))).toEqual(
        Array.from({ length: LIMITS.operator }, (_, i) => LIMITS.operator - 1 - i),
      );
      for (const t of [b, a]) {
        expectThrottled(
          await request(t.server).get('/v1/auth/me').set(anyIp()).set(user.auth),
          'identity',
          LIMITS.operator,
        );
      }
    },
  );

  it('failed logins per account are shared: failures on both instances lock the account on both', async () => {
    const email = uniqueEmail('shared');
    const password = newPassword();
    for (const t of SHARED_DATABASE ? [a] : [a, b]) {
      const res = await request(t.server)
        .post('/v1/auth/register')
        .set(anyIp())
        .send({ email, password });
      expect(res.status).toBe(201);
    }
    const failures = await sequential(LIMITS.loginFailures, (i) =>
      request(either(i).server)
        .post('/v1/auth/login')
        .set(anyIp())
        .send({ email, password: newPassword() }),
    );
    expect(statuses(failures)).toEqual(times(LIMITS.loginFailures, 401));
    for (const t of [a, b]) {
      const locked = await request(t.server)
        .post('/v1/auth/login')
        .set(anyIp())
        .send({ email, password });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    }
  });

  it('under concurrent load each 429 names the limit that refused it, in headers and audit', async () => {
    const flooded = uniqueIp(); // over its IP limit
    const registering = uniqueIp(); // over its registration limit only
    await sequential(LIMITS.ip, () => request(a.server).get('/health/live').set(fromIp(flooded)));
    const register = () =>
      request(a.server)
        .post('/v1/auth/register')
        .set(fromIp(registering))
        .send({ email: uniqueEmail('late'), password: newPassword() });
    expect(statuses(await sequential(LIMITS.registerIp, register))).toEqual(
      times(LIMITS.registerIp, 201),
    );
    const rounds = 15;
    const mixed = await Promise.all(
      Array.from({ length: rounds }, () => [
        request(a.server).get('/health/live').set(fromIp(flooded)),
        register(),
      ]).flat(),
    );
    mixed.forEach((res, i) => expectThrottled(res, i % 2 === 0 ? 'ip' : 'register-ip'));

    const ipRows = await waitForAudit(a, { action: 'rate_limit.exceeded', clientIp: flooded });
    const registerRows = await waitForAudit(a, {
      action: 'rate_limit.exceeded',
      clientIp: registering,
    });
    expect(ipRows.reduce((n, r) => n + r.occurrences, 0)).toBe(rounds);
    expect(registerRows.reduce((n, r) => n + r.occurrences, 0)).toBe(rounds);
    for (const row of ipRows) expect(row.details).toEqual({ limit: 'ip' });
    for (const row of registerRows) expect(row.details).toEqual({ limit: 'register-ip' });
  });
});

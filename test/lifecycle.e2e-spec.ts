import request from 'supertest';
import { createApp } from '../src/app.factory';
import { InFlightRequests } from '../src/common/http/in-flight-requests';
import { loadConfig } from '../src/config/load-config';
import { TEST_ADMIN, TestApp, startTestApp } from './support/test-app';

describe('start-up and shutdown (e2e)', () => {
  it('fails fast with a clear, password-free error when the database cannot be reached', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: 'postgresql://weather:s3cret-pw@127.0.0.1:1/weather',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
    });
    const started = Date.now();
    const error = await createApp(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^database unavailable \(DATABASE_URL: postgresql:\/\/weather:\*\*\*@127\.0\.0\.1:1/,
    );
    expect((error as Error).message).not.toContain('s3cret-pw');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  describe('on a running app', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ DATABASE_STATEMENT_TIMEOUT_MS: '1500' });
    });
    afterAll(() => t.close());

    // PGlite runs in-process, one statement at a time, and does not take the setting from the
    // connection's start-up packet; the timeout guards a PostgreSQL server shared with others.
    const onServer = process.env.DATABASE_URL ? it : it.skip;

    onServer(
      'sets the statement timeout on the server connection, and the server enforces it',
      async () => {
        await expect(t.dataSource.query('SELECT pg_sleep(3)')).rejects.toMatchObject({
          driverError: expect.objectContaining({ code: '57014' }),
        });
        const rows =
          await t.dataSource.query<Array<{ statement_timeout: string }>>('SHOW statement_timeout');
        expect(rows[0].statement_timeout).toBe('1500ms');
      },
    );
  });

  it('finishes a request that is in flight when shutdown starts, then closes', async () => {
    const t = await startTestApp();
    // Login is the slowest route (an argon2 verify): start it, then shut down at once.
    const pending = request(t.server)
      .post('/v1/auth/login')
      .send(TEST_ADMIN)
      .then((res) => res);
    // Wait until the request is inside the app, then shut down.
    const inFlight = t.app.get(InFlightRequests);
    while (inFlight.current === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await t.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(t.dataSource.isInitialized).toBe(false);
  });
});

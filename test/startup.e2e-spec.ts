import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linesOf, runBuiltApp } from './support/built-app';

/**
 * What a newcomer sees when the first start goes wrong: the built app, started as `npm start`
 * starts it, with an unreachable database or Redis, or a port that is taken.
 */
describe('start-up errors a newcomer meets (e2e, the built app)', () => {
  /** A loopback port that nothing listens on (bound, then closed). */
  async function closedPort(): Promise<number> {
    const server = await listening(0);
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  function listening(port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  }

  const base = { NODE_ENV: 'development', LOG_LEVEL: 'info', HOST: '127.0.0.1' };

  it.each([
    [
      'DATABASE_URL',
      (port: number) => ({ DATABASE_URL: `postgresql://w:pw-1@127.0.0.1:${port}/w` }),
    ],
    ['REDIS_URL', (port: number) => ({ REDIS_URL: `redis://:pw-1@127.0.0.1:${port}` })],
  ])(
    'an unreachable %s: one line that names it, no stack, no password, exit 1',
    async (variable, env) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'weather-start-'));
      try {
        const port = await closedPort();
        const { code, output } = await runBuiltApp({
          ...base,
          PORT: String(await closedPort()),
          PGLITE_DATA_DIR: dataDir,
          ...env(port),
        });
        expect(code).toBe(1);
        expect(linesOf(output)).toEqual([expect.stringContaining(variable)]);
        expect(output).toMatch(/^weather-api failed to start: /);
        expect(output).not.toContain('pw-1');
        expect(output).not.toMatch(/\n\s+at /);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  describe('production without SMTP_URL', () => {
    const production = async () => ({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(await closedPort()),
      JWT_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PUBLIC_APP_URL: 'https://app.weather.test',
      REGISTRATION_ENABLED: 'false',
      PASSWORD_RESET_ENABLED: 'false',
    });

    it.each(['REGISTRATION_ENABLED', 'PASSWORD_RESET_ENABLED'])(
      'refuses to start with %s=true (the flow would mail links nobody gets), exit 1',
      async (flag) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'weather-start-'));
        try {
          const { code, output } = await runBuiltApp({
            ...(await production()),
            PGLITE_DATA_DIR: dataDir,
            [flag]: 'true',
          });
          expect(code).toBe(1);
          expect(output).toMatch(/^weather-api failed to start: /);
          expect(output).toContain(`SMTP_URL is required when ${flag}=true`);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    );

    it('control: with both flows off, SMTP_URL is not asked for', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'weather-start-'));
      try {
        const { output } = await runBuiltApp(
          { ...(await production()), PGLITE_DATA_DIR: dataDir },
          { until: /listening|failed to start/ },
        );
        expect(output).not.toContain('SMTP_URL');
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });

  it('an embedded database that cannot start: one line that names PGLITE_DATA_DIR, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weather-start-'));
    try {
      // A file where a directory must be: the database thread fails to create its data dir.
      writeFileSync(join(dir, 'file'), '');
      const { code, output } = await runBuiltApp({
        ...base,
        PORT: String(await closedPort()),
        PGLITE_DATA_DIR: join(dir, 'file', 'pglite'),
        JWT_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      });
      expect(code).toBe(1);
      expect(linesOf(output)).toEqual([
        expect.stringMatching(
          /^weather-api failed to start: database unavailable \(PGLITE_DATA_DIR: embedded database at .+\): .*ENOTDIR/,
        ),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a busy port on the first start shows no credentials; the next start that binds shows them', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weather-start-'));
    const squatter = await listening(0);
    const port = (squatter.address() as { port: number }).port;
    const env = { ...base, PORT: String(port), PGLITE_DATA_DIR: dataDir, SEED_DEMO_DATA: 'false' };
    try {
      const busy = await runBuiltApp(env);
      expect(busy.code).toBe(1);
      expect(busy.output).toContain(`PORT/HOST: 127.0.0.1:${port} is already in use`);
      expect(busy.output).not.toMatch(/Password:|Demo credentials/);

      await new Promise((resolve) => squatter.close(resolve));
      const next = await runBuiltApp(env, { until: /Weather API listening/ });
      expect(next.output).toMatch(/Demo credentials \(shown once/);
      expect(next.output).toMatch(/Password: +\S{20,}/);
    } finally {
      squatter.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

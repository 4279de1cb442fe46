import { ConfigError } from './env-parsers';
import { loadConfig } from './load-config';

const STRONG_SECRET = 'k3J9vQ2mX8pL5rT1wZ6yB4nH7cF0dG2s';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      trustProxy: false,
      corsOrigins: [],
      docsEnabled: true,
      seedDemoData: true,
      database: { url: undefined, pgliteDataDir: './data/pglite', runMigrations: true },
    });
    expect(config.auth.jwtSecretGenerated).toBe(true);
    expect(config.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', '*'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'everyone'],
    ['DOCS_ENABLED', 'yes'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['RATE_LIMIT_IP_PER_MINUTE', '-1'],
    ['JWT_SECRET', 'too-short'],
    ['JWT_SECRET', 'changeme-changeme-changeme-changeme'],
    ['JWT_SECRET', 'a'.repeat(64)],
  ])('rejects %s=%s with a message that names the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('refuses a session shorter than its access token', () => {
    expect(problemsOf({ JWT_ACCESS_TTL_SECONDS: '3600', JWT_REFRESH_TTL_SECONDS: '1800' })).toEqual(
      [expect.stringContaining('JWT_REFRESH_TTL_SECONDS must be at least')],
    );
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', TRUST_PROXY: 'true' })).toHaveLength(3);
  });

  it('refuses to start in production without a JWT secret, and defaults to safe production values', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('JWT_SECRET')]);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET });
    expect(config).toMatchObject({ host: '0.0.0.0', docsEnabled: false, seedDemoData: false });
    expect(config.auth).toMatchObject({ jwtSecretGenerated: false, registrationEnabled: false });
  });

  it('requires both bootstrap admin variables or neither', () => {
    expect(problemsOf({ BOOTSTRAP_ADMIN_EMAIL: 'a@b.co' })[0]).toContain('BOOTSTRAP_ADMIN');
    expect(
      problemsOf({ BOOTSTRAP_ADMIN_EMAIL: 'a@b.co', BOOTSTRAP_ADMIN_PASSWORD: 'short' })[0],
    ).toContain('BOOTSTRAP_ADMIN_PASSWORD');
    const config = loadConfig({
      BOOTSTRAP_ADMIN_EMAIL: 'Ada@Example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'Tr0ub4dor&3-horse',
    });
    expect(config.auth.bootstrapAdmin).toEqual({
      email: 'ada@example.com',
      password: 'Tr0ub4dor&3-horse',
    });
  });

  it('parses trusted proxies as names, addresses and hop counts', () => {
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PORT: '  ', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      database: { url: undefined },
    });
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './env-parsers';
import { devKeyFile } from './key-encryption-key';
import { loadConfig } from './load-config';

const STRONG_SECRET = 'k3J9vQ2mX8pL5rT1wZ6yB4nH7cF0dG2s';
const STRONG_KEK = Buffer.from('0123456789abcdefghijklmnopqrstuv').toString('base64');
// Development writes its key-encryption key on first start: never into the checkout here.
const DEV_KEK_DIR = mkdtempSync(join(tmpdir(), 'kek-'));
const DEV_KEK = {
  JWT_KEY_ENCRYPTION_KEY_FILE: join(DEV_KEK_DIR, 'k'),
  MFA_ENCRYPTION_KEY_FILE: join(DEV_KEK_DIR, 'mfa'),
};
/** Production needs the MFA secrets' key as well; the tests below are about the JWT one. */
const PROD_MFA = {
  MFA_ENCRYPTION_KEY: Buffer.from('vutsrqponmlkjihgfedcba9876543210').toString('base64'),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env.NODE_ENV ? env : { ...DEV_KEK, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const config = loadConfig(DEV_KEK);
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
    expect(config.auth.jwtSecret).toBeUndefined(); // ES256 from the ring, no HS256 key
    expect(config.auth.keyEncryptionKey).toHaveLength(32);
    expect(config.auth.jwksMaxAgeSeconds).toBe(300);
    expect(config.authCache).toEqual({ maxEntries: 10_000, ttlMs: 30_000 });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['HTTP_ADAPTER', 'koa'],
    ['HTTP_ADAPTER', 'Express'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', '*'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'everyone'],
    ['DOCS_ENABLED', 'yes'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '0'],
    ['DATABASE_MIGRATION_LOCK_TIMEOUT_MS', '10'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['RATE_LIMIT_IP_PER_MINUTE', '-1'],
    ['JWT_SECRET', 'too-short'],
    ['JWT_SECRET', 'changeme-changeme-changeme-changeme'],
    ['JWT_SECRET', 'a'.repeat(64)],
    ['AUTH_CACHE_MAX_ENTRIES', '-1'],
    ['AUTH_CACHE_TTL_MS', '600000'],
    ['AUDIT_SEAL_INTERVAL_MS', '0'],
    ['AUDIT_SEAL_MAX_DELAY_MS', 'soon'],
  ])('rejects %s=%s with a message that names the variable', (name, value) => {
    const problems = problemsOf({ ...DEV_KEK, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
  });

  it('refuses a session shorter than its access token', () => {
    expect(problemsOf({ JWT_ACCESS_TTL_SECONDS: '3600', JWT_REFRESH_TTL_SECONDS: '1800' })).toEqual(
      [expect.stringContaining('JWT_REFRESH_TTL_SECONDS must be at least')],
    );
  });

  it('refuses an audit seal bound its sealer cannot keep (under two intervals)', () => {
    expect(problemsOf({ AUDIT_SEAL_INTERVAL_MS: '1000', AUDIT_SEAL_MAX_DELAY_MS: '1500' })).toEqual(
      [expect.stringContaining('AUDIT_SEAL_MAX_DELAY_MS must be at least twice')],
    );
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', TRUST_PROXY: 'true' })).toHaveLength(3);
  });

  it('refuses to start in production without a key-encryption key, and defaults to safe production values', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringContaining('JWT_KEY_ENCRYPTION_KEY is required in production'),
      expect.stringContaining('MFA_ENCRYPTION_KEY is required in production'),
    ]);
    // An HS256 secret is not a substitute: the ring's keys still need encrypting.
    expect(
      problemsOf({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, ...PROD_MFA }),
    ).toHaveLength(1);
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_KEY_ENCRYPTION_KEY: STRONG_KEK,
      ...PROD_MFA,
    });
    expect(config).toMatchObject({ host: '0.0.0.0', docsEnabled: false, seedDemoData: false });
    expect(config.auth).toMatchObject({
      keyEncryptionKeySource: 'env',
      registrationEnabled: false,
    });
    expect(config.auth.jwtSecret).toBeUndefined();
  });

  it.each([
    ['JWT_KEY_ENCRYPTION_KEY', 'c2hvcnQ='],
    ['JWT_KEY_ENCRYPTION_KEY', Buffer.alloc(32).toString('base64')],
    ['JWT_JWKS_MAX_AGE_SECONDS', '-1'],
  ])('rejects %s=%s', (name, value) => {
    expect(problemsOf({ NODE_ENV: 'production', [name]: value })).toEqual(
      expect.arrayContaining([expect.stringContaining(name)]),
    );
  });

  describe('mail and account flows', () => {
    const PROD = { NODE_ENV: 'production', JWT_KEY_ENCRYPTION_KEY: STRONG_KEK, ...PROD_MFA };
    const SMTP = {
      SMTP_URL: 'smtp://relay.example.com:587',
      MAIL_FROM: 'API <no-reply@example.com>',
    };

    it('development: the outbox under ./data, reset on, read-only unverified accounts', () => {
      const config = loadConfig(DEV_KEK);
      expect(config.mail).toMatchObject({
        smtpUrl: undefined,
        outboxDir: './data/outbox',
        requireTls: false,
        queueMaxMessages: 1000,
      });
      expect(config.accounts).toMatchObject({
        publicAppUrl: 'http://127.0.0.1:3000',
        passwordResetEnabled: true,
        unverifiedAccounts: 'read-only',
      });
    });

    it('production without SMTP: reset off by default, and a flow that mails refuses the start', () => {
      expect(loadConfig(PROD).accounts.passwordResetEnabled).toBe(false);
      expect(problemsOf({ ...PROD, REGISTRATION_ENABLED: 'true' })).toEqual(
        expect.arrayContaining([expect.stringContaining('SMTP_URL is required')]),
      );
      expect(problemsOf({ ...PROD, PASSWORD_RESET_ENABLED: 'true' })).toEqual(
        expect.arrayContaining([expect.stringContaining('SMTP_URL is required')]),
      );
    });

    it('production with SMTP: STARTTLS required, MAIL_FROM and an https PUBLIC_APP_URL needed', () => {
      expect(problemsOf({ ...PROD, SMTP_URL: SMTP.SMTP_URL })).toEqual(
        expect.arrayContaining([
          expect.stringContaining('MAIL_FROM'),
          expect.stringContaining('PUBLIC_APP_URL'),
        ]),
      );
      expect(problemsOf({ ...PROD, ...SMTP, PUBLIC_APP_URL: 'http://app.example.com' })).toEqual([
        expect.stringContaining('PUBLIC_APP_URL must be an https URL'),
      ]);
      const config = loadConfig({ ...PROD, ...SMTP, PUBLIC_APP_URL: 'https://app.example.com/' });
      expect(config.mail.requireTls).toBe(true);
      expect(config.accounts).toMatchObject({
        publicAppUrl: 'https://app.example.com',
        passwordResetEnabled: true,
      });
    });

    it.each([
      ['SMTP_URL', 'http://relay.example.com'],
      ['SMTP_URL', 'smtp://'],
      ['MAIL_FROM', 'no-reply@example.com\r\nBcc: x@example.com'],
      ['PUBLIC_APP_URL', 'https://app.example.com/?next=evil'],
      ['UNVERIFIED_ACCOUNTS', 'anything'],
      ['MAIL_QUEUE_MAX_MESSAGES', '0'],
      ['PASSWORD_RESET_TTL_SECONDS', '10'],
      ['RATE_LIMIT_ACCOUNT_MAIL_PER_EMAIL_PER_HOUR', '0'],
    ])('rejects %s=%s', (name, value) => {
      expect(problemsOf({ [name]: value })).toEqual(
        expect.arrayContaining([expect.stringContaining(name)]),
      );
    });
  });

  it('development makes its key-encryption key once, owner-only, and reads the same one next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kek-'));
    const file = join(dir, 'nested', 'kek');
    const first = loadConfig({ ...DEV_KEK, JWT_KEY_ENCRYPTION_KEY_FILE: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.auth.keyEncryptionKeySource).toBe('generated-file');
    const second = loadConfig({ ...DEV_KEK, JWT_KEY_ENCRYPTION_KEY_FILE: file });
    expect(second.auth.keyEncryptionKey.equals(first.auth.keyEncryptionKey)).toBe(true);
    // Production never makes one: a missing file is an error.
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_KEY_ENCRYPTION_KEY_FILE: join(dir, 'missing'),
        ...PROD_MFA,
      }),
    ).toEqual([expect.stringContaining('JWT_KEY_ENCRYPTION_KEY_FILE cannot be read')]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('development keeps its key-encryption key beside the embedded database; an in-memory one gets none', () => {
    expect(devKeyFile({ pgliteDataDir: './data/pglite' })).toBe(
      './data/pglite.jwt-key-encryption.key',
    );
    expect(devKeyFile({ pgliteDataDir: '/srv/db/' })).toBe('/srv/db.jwt-key-encryption.key');
    expect(devKeyFile({ url: 'postgresql://h/db', pgliteDataDir: './data/pglite' })).toBe(
      './data/jwt-key-encryption.key',
    );
    const config = loadConfig({ PGLITE_DATA_DIR: 'memory://' });
    expect(config.auth.keyEncryptionKeySource).toBe('random-per-process');
  });

  it('requires both bootstrap admin variables or neither', () => {
    expect(problemsOf({ BOOTSTRAP_ADMIN_EMAIL: 'a@b.co' })[0]).toContain('BOOTSTRAP_ADMIN');
    expect(
      problemsOf({ BOOTSTRAP_ADMIN_EMAIL: 'a@b.co', BOOTSTRAP_ADMIN_PASSWORD: 'short' })[0],
    ).toContain('BOOTSTRAP_ADMIN_PASSWORD');
    const config = loadConfig({
      ...DEV_KEK,
      BOOTSTRAP_ADMIN_EMAIL: 'Ada@Example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'Tr0ub4dor&3-horse',
    });
    expect(config.auth.bootstrapAdmin).toEqual({
      email: 'ada@example.com',
      password: 'Tr0ub4dor&3-horse',
    });
  });

  it('parses trusted proxies as names, addresses and hop counts', () => {
    expect(loadConfig({ ...DEV_KEK, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(loadConfig({ ...DEV_KEK, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ ...DEV_KEK, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('runs on Fastify unless Express is asked for', () => {
    expect(loadConfig({ ...DEV_KEK }).httpAdapter).toBe('fastify');
    expect(loadConfig({ ...DEV_KEK, HTTP_ADAPTER: 'express' }).httpAdapter).toBe('express');
    expect(loadConfig({ ...DEV_KEK, HTTP_ADAPTER: 'fastify' }).httpAdapter).toBe('fastify');
  });

  it('serves metrics on their own loopback port in development only, unless configured', () => {
    expect(loadConfig(DEV_KEK).metrics).toEqual({
      port: 9464,
      host: '127.0.0.1',
      bestEffort: true,
    });
    expect(loadConfig({ ...DEV_KEK, METRICS_PORT: 'off' }).metrics.port).toBeNull();
    expect(loadConfig({ NODE_ENV: 'test' }).metrics.port).toBeNull();
    const production = { NODE_ENV: 'production', JWT_KEY_ENCRYPTION_KEY: STRONG_KEK, ...PROD_MFA };
    expect(loadConfig(production).metrics.port).toBeNull();
    expect(loadConfig({ ...production, METRICS_PORT: '9100' }).metrics).toEqual({
      port: 9100,
      host: '127.0.0.1',
    });
  });

  it('refuses a metrics listener that would expose the metrics', () => {
    const production = { NODE_ENV: 'production', JWT_KEY_ENCRYPTION_KEY: STRONG_KEK, ...PROD_MFA };
    // Reachable from elsewhere without a token.
    expect(problemsOf({ ...production, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toEqual([
      expect.stringContaining('METRICS_TOKEN is required in production'),
    ]);
    const token = 'Zq8xN3vT6pW1rY4uB7eH0kM2sD5fG9jL';
    expect(
      loadConfig({
        ...production,
        METRICS_PORT: '9464',
        METRICS_HOST: '0.0.0.0',
        METRICS_TOKEN: token,
      }).metrics,
    ).toEqual({ port: 9464, host: '0.0.0.0', token });
    expect(problemsOf({ METRICS_TOKEN: 'too-short' })).toEqual([
      expect.stringContaining('METRICS_TOKEN must be at least 32'),
    ]);
    expect(problemsOf({ METRICS_TOKEN: 'a'.repeat(40) })).toHaveLength(1); // not random
    expect(problemsOf({ PORT: '9464' })).toEqual([
      expect.stringContaining('METRICS_PORT must differ'),
    ]);
    expect(problemsOf({ METRICS_PORT: '70000' })).toEqual([
      expect.stringContaining('METRICS_PORT'),
    ]);
  });

  it('reads the detection thresholds, with the documented defaults, and refuses nonsense', () => {
    expect(loadConfig(DEV_KEK).alerts).toEqual({
      stuffingAccounts: 10,
      stuffingWindowSeconds: 600,
      bruteForceFailures: 10,
      bruteForceWindowSeconds: 900,
      apiKeyAddresses: 5,
      apiKeyWindowSeconds: 300,
      probingNotFound: 20,
      probingWindowSeconds: 300,
      episodeSeconds: 3600,
      auditVerifyIntervalSeconds: 300,
    });
    expect(loadConfig({ ...DEV_KEK, ALERT_STUFFING_ACCOUNTS: '25' }).alerts.stuffingAccounts).toBe(
      25,
    );
    // 1 would alert on every failed login; 0 on nothing at all.
    for (const value of ['0', '1', 'ten', '-5']) {
      expect(problemsOf({ ALERT_STUFFING_ACCOUNTS: value })).toEqual([
        expect.stringContaining('ALERT_STUFFING_ACCOUNTS'),
      ]);
    }
    expect(problemsOf({ ALERT_EPISODE_SECONDS: '5' })).toHaveLength(1);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ ...DEV_KEK, PORT: '  ', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      database: { url: undefined },
    });
  });

  describe('MFA', () => {
    it('has safe defaults, and its own key, never the JWT one', () => {
      const config = loadConfig(DEV_KEK);
      expect(config.mfa).toMatchObject({
        totpIssuer: 'weather-api',
        stepUpMaxAgeSeconds: 600,
        requiredForAdmins: false,
      });
      // Made by the first start (an earlier test here), read back by the next ones.
      expect(['generated-file', 'file']).toContain(config.mfa.encryptionKeySource);
      expect(config.mfa.encryptionKey).toHaveLength(32);
      expect(config.mfa.encryptionKey.equals(config.auth.keyEncryptionKey)).toBe(false);
      expect(statSync(DEV_KEK.MFA_ENCRYPTION_KEY_FILE).mode & 0o777).toBe(0o600);
      // In memory: random per process, and still not the JWT key.
      const memory = loadConfig({ PGLITE_DATA_DIR: 'memory://' });
      expect(memory.mfa.encryptionKeySource).toBe('random-per-process');
      expect(memory.mfa.encryptionKey.equals(memory.auth.keyEncryptionKey)).toBe(false);
      expect(devKeyFile({ pgliteDataDir: './data/pglite' }, 'mfa-encryption')).toBe(
        './data/pglite.mfa-encryption.key',
      );
    });

    it('production refuses to start without MFA_ENCRYPTION_KEY', () => {
      expect(problemsOf({ NODE_ENV: 'production', JWT_KEY_ENCRYPTION_KEY: STRONG_KEK })).toEqual([
        expect.stringContaining('MFA_ENCRYPTION_KEY is required in production'),
      ]);
    });

    it.each([
      ['MFA_ENCRYPTION_KEY', 'c2hvcnQ='],
      ['MFA_ENCRYPTION_KEY', Buffer.alloc(32).toString('base64')],
      ['MFA_TOTP_ISSUER', 'weather:api'],
      ['MFA_TOTP_ISSUER', 'x'.repeat(65)],
      ['MFA_STEP_UP_MAX_AGE_SECONDS', '0'],
      ['MFA_STEP_UP_MAX_AGE_SECONDS', '86401'],
      ['MFA_REQUIRED_FOR_ADMINS', 'yes'],
    ])('rejects %s=%s with a message that names the variable', (name, value) => {
      const problems = problemsOf({ ...DEV_KEK, [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(name);
    });
  });
});

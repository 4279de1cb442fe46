import { emailAddressProblem, normaliseEmail } from '../common/identity/email-address';
import { AppConfig, HttpAdapterName, LogLevel, MfaConfig, NodeEnv, TrustProxy } from './app-config';
import { ConfigError, Env, EnvReader } from './env-parsers';
import { devKeyFile, loadKeyEncryptionKey, loadSecretKey } from './key-encryption-key';
import { loadMailConfig } from './mail-config';
import {
  DEFAULT_ALERT_THRESHOLDS,
  MIN_METRICS_TOKEN_LENGTH,
  isLoopback,
} from '../security/monitoring/monitoring.options';

const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];
const HTTP_ADAPTERS: readonly HttpAdapterName[] = ['fastify', 'express'];
const TRUST_PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const IP_OR_CIDR = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)(\/\d{1,3})?$/;

/**
 * Reads and validates every environment variable the app uses. Collects all problems and
 * throws one ConfigError naming each bad variable, so the operator fixes them in one go.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', NODE_ENVS, 'development');
  const production = nodeEnv === 'production';

  const databaseUrl = r.optionalString('DATABASE_URL');
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    r.fail('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }

  const corsOrigins = r.list('CORS_ORIGINS');
  for (const origin of corsOrigins) {
    if (!isOrigin(origin)) {
      r.fail(
        'CORS_ORIGINS',
        `entries must be origins like https://app.example.com (got "${origin}")`,
      );
    }
  }

  const pgliteDataDir = r.string('PGLITE_DATA_DIR', './data/pglite');
  const port = r.int('PORT', 3000, 0, 65535);
  const auth = loadAuthConfig(r, nodeEnv, devKeyFile({ url: databaseUrl, pgliteDataDir }));
  const config: AppConfig = {
    nodeEnv,
    // Loopback by default outside production: a development API should not face the network.
    host: r.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
    port,
    httpAdapter: r.oneOf('HTTP_ADAPTER', HTTP_ADAPTERS, 'fastify'),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    database: {
      url: databaseUrl,
      pgliteDataDir,
      runMigrations: r.bool('DATABASE_RUN_MIGRATIONS', true),
      migrationLockTimeoutMs: r.int('DATABASE_MIGRATION_LOCK_TIMEOUT_MS', 120000, 1000, 3600000),
      statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600000),
      connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 60000),
      poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 100),
    },
    corsOrigins,
    trustProxy: parseTrustProxy(r),
    docsEnabled: r.bool('DOCS_ENABLED', !production),
    seedDemoData: r.bool('SEED_DEMO_DATA', nodeEnv === 'development'),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10000, 0, 120000),
    shutdownIdleGraceMs: r.int('SHUTDOWN_IDLE_GRACE_MS', 0, 0, 60000),
    http: loadHttpLimits(r),
    auth,
    mfa: loadMfaConfig(
      r,
      nodeEnv,
      devKeyFile({ url: databaseUrl, pgliteDataDir }, 'mfa-encryption'),
    ),
    ...loadMailConfig(r, nodeEnv, port, auth.registrationEnabled),
    rateLimits: {
      perIpPerMinute: r.int('RATE_LIMIT_IP_PER_MINUTE', 600, 1, 1_000_000),
      perRolePerMinute: {
        viewer: r.int('RATE_LIMIT_VIEWER_PER_MINUTE', 120, 1, 1_000_000),
        operator: r.int('RATE_LIMIT_OPERATOR_PER_MINUTE', 300, 1, 1_000_000),
        admin: r.int('RATE_LIMIT_ADMIN_PER_MINUTE', 600, 1, 1_000_000),
      },
      perApiKeyPerMinute: r.int('RATE_LIMIT_API_KEY_PER_MINUTE', 600, 1, 1_000_000),
      loginPerIpPer15Minutes: r.int('RATE_LIMIT_LOGIN_IP_PER_15_MINUTES', 30, 1, 1_000_000),
      loginFailuresPerEmailPer15Minutes: r.int(
        'RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL',
        5,
        1,
        1_000_000,
      ),
      registerPerIpPerHour: r.int('RATE_LIMIT_REGISTER_PER_IP_PER_HOUR', 10, 1, 1_000_000),
      apiKeyIssuePerHour: r.int('RATE_LIMIT_API_KEY_ISSUE_PER_HOUR', 20, 1, 1_000_000),
    },
    auditQueueMaxRecords: r.int('AUDIT_QUEUE_MAX_RECORDS', 10_000, 100, 1_000_000),
    auditSeal: loadAuditSeal(r),
    idempotencyKeyTtlSeconds: r.int('IDEMPOTENCY_KEY_TTL_SECONDS', 86_400, 60, 7 * 86_400),
    redisUrl: parseRedisUrl(r),
    authCache: {
      maxEntries: r.int('AUTH_CACHE_MAX_ENTRIES', 10_000, 0, 1_000_000),
      // A ceiling only: every change to what an entry was read from drops it at once.
      ttlMs: r.int('AUTH_CACHE_TTL_MS', 30_000, 100, 300_000),
    },
    metrics: loadMetricsListener(r, nodeEnv),
    alerts: loadAlertThresholds(r),
  };
  // The API's port never serves the metrics: one port for both would expose them publicly.
  if (
    config.metrics.port !== null &&
    config.metrics.port !== 0 &&
    config.metrics.port === config.port
  ) {
    r.fail('METRICS_PORT', 'must differ from PORT (the metrics have a listener of their own)');
  }

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function loadHttpLimits(r: EnvReader): AppConfig['http'] {
  const limits = {
    headersTimeoutMs: r.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, 120_000),
    requestTimeoutMs: r.int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    keepAliveTimeoutMs: r.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 5000, 1000, 120_000),
    maxConnections: r.int('HTTP_MAX_CONNECTIONS', 1000, 1, 100_000),
  };
  // Node enforces the head deadline only when it is the shorter one.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    r.fail('HTTP_HEADERS_TIMEOUT_MS', 'must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  return limits;
}

const MIN_SECRET_BYTES = 32;
const PLACEHOLDER = /change|secret|example|placeholder|your|default|password|todo/i;

function loadAuthConfig(
  r: EnvReader,
  nodeEnv: NodeEnv,
  devKekFile: string | undefined,
): AppConfig['auth'] {
  const production = nodeEnv === 'production';
  const secretText = r.raw('JWT_SECRET');
  // Optional: an HS256 key of its own kind for a single service; unset, the ES256 ring signs.
  let jwtSecret: Buffer | undefined;
  if (secretText !== undefined) {
    jwtSecret = Buffer.from(secretText, 'utf8');
    if (jwtSecret.length < MIN_SECRET_BYTES || isWeakSecret(secretText)) {
      r.fail(
        'JWT_SECRET',
        'must be at least 32 random bytes, not a placeholder (try: openssl rand -base64 48)',
      );
    }
  }

  const rawEmail = r.raw('BOOTSTRAP_ADMIN_EMAIL');
  const email = rawEmail === undefined ? undefined : normaliseEmail(rawEmail);
  const password = r.raw('BOOTSTRAP_ADMIN_PASSWORD');
  if ((email === undefined) !== (password === undefined)) {
    r.fail('BOOTSTRAP_ADMIN_EMAIL', 'and BOOTSTRAP_ADMIN_PASSWORD must be set together');
  }
  if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    r.fail('BOOTSTRAP_ADMIN_EMAIL', 'must be an email address');
  } else if (email !== undefined && emailAddressProblem(email)) {
    r.fail('BOOTSTRAP_ADMIN_EMAIL', emailAddressProblem(email)!.replace(/^email /, ''));
  }
  if (
    password !== undefined &&
    (password.length < 12 || password.length > 128 || isWeakSecret(password))
  ) {
    r.fail('BOOTSTRAP_ADMIN_PASSWORD', 'must be 12-128 characters and not a placeholder');
  }

  const accessTtlSeconds = r.int('JWT_ACCESS_TTL_SECONDS', 900, 30, 86400);
  const refreshTtlSeconds = r.int('JWT_REFRESH_TTL_SECONDS', 14 * 86400, 300, 90 * 86400);
  if (refreshTtlSeconds < accessTtlSeconds) {
    // The JWT layer refuses it too; said here in the variables' names.
    r.fail('JWT_REFRESH_TTL_SECONDS', 'must be at least JWT_ACCESS_TTL_SECONDS');
  }

  const keyEncryptionKey = loadKeyEncryptionKey(r, nodeEnv, devKekFile);

  return {
    jwtSecret,
    keyEncryptionKey: keyEncryptionKey.key,
    keyEncryptionKeySource: keyEncryptionKey.source,
    jwksMaxAgeSeconds: r.int('JWT_JWKS_MAX_AGE_SECONDS', 300, 0, 86400),
    jwtIssuer: r.string('JWT_ISSUER', 'weather-api'),
    jwtAudience: r.string('JWT_AUDIENCE', 'weather-api-clients'),
    accessTtlSeconds,
    refreshTtlSeconds,
    registrationEnabled: r.bool('REGISTRATION_ENABLED', !production),
    bootstrapAdmin: email && password ? { email, password } : undefined,
    apiKeyRotationGraceSeconds: r.int('API_KEY_ROTATION_GRACE_SECONDS', 86400, 0, 30 * 86400),
  };
}

function loadMfaConfig(r: EnvReader, nodeEnv: NodeEnv, devFile: string | undefined): MfaConfig {
  const key = loadSecretKey(r, nodeEnv, devFile, 'MFA_ENCRYPTION_KEY');
  const issuer = r.string('MFA_TOTP_ISSUER', 'weather-api');
  if (!/^[^:%]{1,64}$/.test(issuer)) {
    r.fail('MFA_TOTP_ISSUER', 'must be 1-64 characters without ":" or "%"');
  }
  return {
    encryptionKey: key.key,
    encryptionKeySource: key.source,
    totpIssuer: issuer,
    stepUpMaxAgeSeconds: r.int('MFA_STEP_UP_MAX_AGE_SECONDS', 600, 30, 86400),
    requiredForAdmins: r.bool('MFA_REQUIRED_FOR_ADMINS', false),
  };
}

/** Placeholder words, or too few distinct characters to be random ("aaaa...", "1234..."). */
function isWeakSecret(value: string): boolean {
  return PLACEHOLDER.test(value) || new Set(value).size < 10;
}

function parseTrustProxy(r: EnvReader): TrustProxy {
  const value = r.raw('TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  // "true" would trust every hop, letting any client pick its own IP for the rate limiter.
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter(
    (entry) => !TRUST_PROXY_NAMES.includes(entry) && !IP_OR_CIDR.test(entry),
  );
  if (value === 'true' || bad.length > 0) {
    r.fail(
      'TRUST_PROXY',
      'must be false, a hop count, or a comma list of proxy addresses/CIDRs (loopback, linklocal, uniquelocal allowed)',
    );
    return false;
  }
  return entries;
}

/**
 * The metrics listener: on in development (9464, Prometheus' customary exporter port), off in
 * test and production unless METRICS_PORT is set. Loopback by default; in production a listener
 * reachable from elsewhere must demand a bearer token.
 */
function loadAuditSeal(r: EnvReader): AppConfig['auditSeal'] {
  const intervalMs = r.int('AUDIT_SEAL_INTERVAL_MS', 200, 10, 60_000);
  const maxDelayMs = r.int('AUDIT_SEAL_MAX_DELAY_MS', 5000, 100, 3_600_000);
  if (maxDelayMs < 2 * intervalMs) {
    // The audit layer refuses it too; said here in the variables' names.
    r.fail('AUDIT_SEAL_MAX_DELAY_MS', 'must be at least twice AUDIT_SEAL_INTERVAL_MS');
  }
  return { intervalMs, maxDelayMs };
}

function loadMetricsListener(r: EnvReader, nodeEnv: NodeEnv): AppConfig['metrics'] {
  const rawPort = r.raw('METRICS_PORT');
  const port =
    rawPort === 'off'
      ? null
      : rawPort === undefined
        ? nodeEnv === 'development'
          ? 9464
          : null
        : r.int('METRICS_PORT', 9464, 0, 65535);
  const host = r.string('METRICS_HOST', '127.0.0.1');
  const token = r.optionalString('METRICS_TOKEN');
  if (token !== undefined && (token.length < MIN_METRICS_TOKEN_LENGTH || isWeakSecret(token))) {
    r.fail(
      'METRICS_TOKEN',
      `must be at least ${MIN_METRICS_TOKEN_LENGTH} random characters (try: openssl rand -base64 32)`,
    );
  }
  if (nodeEnv === 'production' && port !== null && !isLoopback(host) && token === undefined) {
    r.fail(
      'METRICS_TOKEN',
      'is required in production when METRICS_HOST is not a loopback address',
    );
  }
  const listener = { port, host, ...(token === undefined ? {} : { token }) };
  // Development's default port: a second instance warns instead of failing to start.
  return rawPort === undefined && port !== null ? { ...listener, bestEffort: true } : listener;
}

/** Detection rules: thresholds per window (README "Settings"; the monitoring layer's defaults). */
function loadAlertThresholds(r: EnvReader): AppConfig['alerts'] {
  const d = DEFAULT_ALERT_THRESHOLDS;
  const windowOf = (name: string, fallback: number) => r.int(name, fallback, 10, 86_400);
  return {
    stuffingAccounts: r.int('ALERT_STUFFING_ACCOUNTS', d.stuffingAccounts, 2, 100_000),
    stuffingWindowSeconds: windowOf('ALERT_STUFFING_WINDOW_SECONDS', d.stuffingWindowSeconds),
    bruteForceFailures: r.int('ALERT_BRUTE_FORCE_FAILURES', d.bruteForceFailures, 2, 100_000),
    bruteForceWindowSeconds: windowOf(
      'ALERT_BRUTE_FORCE_WINDOW_SECONDS',
      d.bruteForceWindowSeconds,
    ),
    apiKeyAddresses: r.int('ALERT_API_KEY_ADDRESSES', d.apiKeyAddresses, 2, 10_000),
    apiKeyWindowSeconds: windowOf('ALERT_API_KEY_WINDOW_SECONDS', d.apiKeyWindowSeconds),
    probingNotFound: r.int('ALERT_PROBING_NOT_FOUND', d.probingNotFound, 2, 100_000),
    probingWindowSeconds: windowOf('ALERT_PROBING_WINDOW_SECONDS', d.probingWindowSeconds),
    episodeSeconds: r.int('ALERT_EPISODE_SECONDS', d.episodeSeconds, 60, 7 * 86_400),
    auditVerifyIntervalSeconds: r.int(
      'ALERT_AUDIT_VERIFY_INTERVAL_SECONDS',
      d.auditVerifyIntervalSeconds,
      10,
      86_400,
    ),
  };
}

function parseRedisUrl(r: EnvReader): string | undefined {
  const value = r.raw('REDIS_URL');
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'redis:' || url.protocol === 'rediss:') return value;
  } catch {
    // reported below
  }
  r.fail('REDIS_URL', 'must be a redis:// or rediss:// URL');
  return undefined;
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

import { AppConfig, LogLevel, NodeEnv, TrustProxy } from './app-config';
import { ConfigError, Env, EnvReader } from './env-parsers';

const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
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
      r.fail('CORS_ORIGINS', `entries must be origins like https://app.example.com (got "${origin}")`);
    }
  }

  const config: AppConfig = {
    nodeEnv,
    // Loopback by default outside production: a development API should not face the network.
    host: r.string('HOST', production ? '0.0.0.0' : '127.0.0.1'),
    port: r.int('PORT', 3000, 0, 65535),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    database: {
      url: databaseUrl,
      pgliteDataDir: r.string('PGLITE_DATA_DIR', './data/pglite'),
      runMigrations: r.bool('DATABASE_RUN_MIGRATIONS', true),
      statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600000),
      connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 60000),
      poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 100),
    },
    corsOrigins,
    trustProxy: parseTrustProxy(r),
    docsEnabled: r.bool('DOCS_ENABLED', !production),
    seedDemoData: r.bool('SEED_DEMO_DATA', nodeEnv === 'development'),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_MS', 10000, 0, 120000),
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function parseTrustProxy(r: EnvReader): TrustProxy {
  const value = r.raw('TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  // "true" would trust every hop, letting any client pick its own IP for the rate limiter.
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !TRUST_PROXY_NAMES.includes(entry) && !IP_OR_CIDR.test(entry));
  if (value === 'true' || bad.length > 0) {
    r.fail(
      'TRUST_PROXY',
      'must be false, a hop count, or a comma list of proxy addresses/CIDRs (loopback, linklocal, uniquelocal allowed)',
    );
    return false;
  }
  return entries;
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

import type { PrincipalCacheOptions } from '../common/principal-cache/principal-cache';
import type { MailOptions } from '../mail/mail.options';
import type {
  AlertThresholds,
  MetricsListenerOptions,
} from '../security/monitoring/monitoring.options';
import type { RateLimits } from '../security/throttling/throttling.options';
import type { AccountsConfig } from './mail-config';

/** The validated, typed configuration of one app instance. Built once by `loadConfig`. */
export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The HTTP framework under Nest: Fastify by default (about 5x Express's floor), Express on request. */
export type HttpAdapterName = 'fastify' | 'express';

/** Express `trust proxy` / Fastify `trustProxy`: false (trust nothing), a hop count, or addresses/subnets/named ranges. */
export type TrustProxy = false | number | string[];

export interface DatabaseConfig {
  /** Set: use this PostgreSQL server. Unset: start embedded PGlite. */
  url: string | undefined;
  /** Where embedded PGlite keeps its files; `memory://` for an in-memory database. */
  pgliteDataDir: string;
  runMigrations: boolean;
  /** How long an instance waits for another's migration run before it gives up starting. */
  migrationLockTimeoutMs: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  poolSize: number;
}

export interface AuthConfig {
  /** Optional HS256 key (>= 32 bytes): set, it signs access tokens instead of the ES256 ring. */
  jwtSecret: Buffer | undefined;
  /** Encrypts the ring's private keys at rest (32 bytes). */
  keyEncryptionKey: Buffer;
  /** Where keyEncryptionKey came from (a random one outside production ends tokens at exit). */
  keyEncryptionKeySource: 'env' | 'file' | 'generated-file' | 'random-per-process';
  /** Cache-Control max-age of /.well-known/jwks.json; a next key waits this long to sign. */
  jwksMaxAgeSeconds: number;
  jwtIssuer: string;
  jwtAudience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  registrationEnabled: boolean;
  bootstrapAdmin: { email: string; password: string } | undefined;
  apiKeyRotationGraceSeconds: number;
}

export interface MfaConfig {
  /** Seals TOTP secrets at rest (MFA_ENCRYPTION_KEY, 32 bytes). */
  encryptionKey: Buffer;
  encryptionKeySource: 'env' | 'file' | 'generated-file' | 'random-per-process';
  /** The issuer an authenticator app shows (MFA_TOTP_ISSUER). */
  totpIssuer: string;
  /** How recent a second factor @RequiresMfa routes demand (MFA_STEP_UP_MAX_AGE_SECONDS). */
  stepUpMaxAgeSeconds: number;
  /** Admins must sign in with MFA for admin-only and @RequiresMfa routes (MFA_REQUIRED_FOR_ADMINS). */
  requiredForAdmins: boolean;
}

/** Requests allowed per window: the throttling layer owns the type. */
export type RateLimitConfig = RateLimits;

/** Node HTTP server limits: Node's defaults hold a slow body ~300 s and cap no connections. */
export interface HttpServerLimits {
  /** Whole request head must arrive within this (slow-headers / slowloris). */
  headersTimeoutMs: number;
  /** Whole request, body included, must arrive within this (slow body). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are refused at accept time. */
  maxConnections: number;
}

export interface AppConfig {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  /** HTTP_ADAPTER: every layer runs on both; CI runs the whole suite on both. */
  httpAdapter: HttpAdapterName;
  logLevel: LogLevel;
  database: DatabaseConfig;
  corsOrigins: string[];
  trustProxy: TrustProxy;
  docsEnabled: boolean;
  seedDemoData: boolean;
  shutdownTimeoutMs: number;
  /** Behind a proxy: how long shutdown lets the proxy close its idle keep-alive connections. */
  shutdownIdleGraceMs: number;
  http: HttpServerLimits;
  auth: AuthConfig;
  mfa: MfaConfig;
  rateLimits: RateLimitConfig;
  /** Audit records queued at most (AUDIT_QUEUE_MAX_RECORDS); past it, drops are counted. */
  auditQueueMaxRecords: number;
  /** The audit sealer: its pace, and how long a record may stay unsealed (AUDIT_SEAL_*). */
  auditSeal: { intervalMs: number; maxDelayMs: number };
  /** How long an Idempotency-Key's first answer is replayed (IDEMPOTENCY_KEY_TTL_SECONDS). */
  idempotencyKeyTtlSeconds: number;
  /** Set: rate-limit counters are shared through Redis. Unset: in memory, per process. */
  redisUrl: string | undefined;
  /** The principal cache (AUTH_CACHE_MAX_ENTRIES, AUTH_CACHE_TTL_MS); 0 entries: off. */
  authCache: PrincipalCacheOptions;
  /** SMTP relay or development outbox, and the bounded send queue. */
  mail: MailOptions;
  /** E-mail verification and password reset. */
  accounts: AccountsConfig;
  /** The metrics listener (METRICS_*): its own port, never the API's; port null: off. */
  metrics: MetricsListenerOptions;
  /** Detection thresholds and windows (ALERT_*). */
  alerts: AlertThresholds;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric this layer exports, with its labels. Labels are bounded sets only: a route
 * template (never a raw path), a method from a fixed list, a status class, a reason or limit
 * name from the code. Never a user, key, IP or path (security-metrics.spec.ts enforces it);
 * per-key usage stays in the usage report.
 */
export const METRIC_LABELS = {
  http_requests_total: ['route', 'method', 'status_class'],
  http_request_duration_seconds: ['route', 'method', 'status_class'],
  auth_failures_total: ['credential', 'reason'],
  authorization_denials_total: ['route'],
  throttled_requests_total: ['limit'],
  refresh_token_reuse_total: [],
  audit_records_written_total: [],
  audit_records_pending: [],
  audit_records_unsealed: [],
  audit_unsealed_oldest_age_seconds: [],
  audit_seal_max_delay_seconds: [],
  audit_records_quarantined_total: [],
  audit_records_dropped_total: [],
  audit_chain_verified_age_seconds: [],
  audit_chain_verification_failures_total: [],
  db_pool_connections: ['state'],
  db_query_errors_total: [],
  redis_errors_total: [],
  security_alerts_total: ['type'],
  principal_cache_lookups_total: ['result'],
  principal_cache_invalidations_total: ['kind'],
  principal_cache_evictions_total: [],
  principal_cache_entries: [],
  principal_cache_channel_up: [],
} as const satisfies Record<string, readonly string[]>;

export type MetricName = keyof typeof METRIC_LABELS;

/** Seconds: API answers are expected in milliseconds; the top buckets catch stalls and timeouts. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Something the registry asks at scrape time (pool use, queue length): never per request. */
export type GaugeProbe = () => number | undefined;

/** What the host's audit sealer last read (its sealStats()), at scrape time. */
export interface AuditUnsealedCounts {
  unsealed: number | null;
  oldestUnsealedSeconds: number | null;
  maxDelaySeconds: number;
}
export type AuditUnsealedProbe = () => AuditUnsealedCounts | undefined;

/**
 * What the host's principal cache counts (its stats(), read at scrape time: the cache itself
 * pays nothing per request for being measured). Counters since start; `invalidationsByKind`
 * keys are a closed set (user, session, api_key, signing_key, all, channel, other).
 */
export interface PrincipalCacheCounts {
  hits: number;
  misses: number;
  /** Lookups answered "not cached" because the change channel was down. */
  bypassed: number;
  evictions: number;
  entries: number;
  invalidationsByKind: Readonly<Record<string, number>>;
  /** Whether changes reach this instance (the pg_notify channel is subscribed). */
  live: boolean;
}
export type PrincipalCacheProbe = () => PrincipalCacheCounts | undefined;

/**
 * The metrics registry of one app (not prom-client's global one: two apps in one process, as
 * in the tests, must not count into each other) and the metrics themselves.
 */
@Injectable()
export class SecurityMetrics {
  readonly registry = new Registry();
  readonly httpRequests = this.counter('http_requests_total', 'HTTP requests answered');
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request reaching the app to the last byte of the answer',
    labelNames: METRIC_LABELS.http_request_duration_seconds,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly authFailures = this.counter(
    'auth_failures_total',
    'Refused credentials and failed logins, by credential kind and reason',
  );
  readonly authorizationDenials = this.counter(
    'authorization_denials_total',
    'Authenticated callers refused by a route policy (403), by route template',
  );
  readonly throttled = this.counter(
    'throttled_requests_total',
    'Requests refused with 429, by limit',
  );
  readonly refreshReuse = this.counter(
    'refresh_token_reuse_total',
    'Rotated refresh tokens presented again (the session was ended)',
  );
  readonly auditWritten = this.counter(
    'audit_records_written_total',
    'Audit records written to the chain',
  );
  readonly auditQuarantined = this.counter(
    'audit_records_quarantined_total',
    'Audit records the database refused, replaced by a quarantine record',
  );
  readonly auditDropped = this.counter(
    'audit_records_dropped_total',
    'Audit records dropped because the queue was full',
  );
  readonly auditVerificationFailures = this.counter(
    'audit_chain_verification_failures_total',
    'Periodic audit-chain verifications that found a broken link',
  );
  readonly dbQueryErrors = this.counter(
    'db_query_errors_total',
    'Database queries that failed and ended a request in an error',
  );
  readonly redisErrors = this.counter('redis_errors_total', 'Errors reported by the Redis client');
  readonly alerts = this.counter('security_alerts_total', 'Security alerts raised, by type');

  private auditPending: GaugeProbe = () => undefined;
  private auditVerifiedAt: GaugeProbe = () => undefined;
  private auditUnsealed: AuditUnsealedProbe = () => undefined;
  private dbPool: Partial<Record<'total' | 'idle' | 'waiting', GaugeProbe>> = {};
  private principalCache: PrincipalCacheProbe = () => undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry }); // process, heap, GC, event-loop lag
    this.gauge('audit_records_pending', 'Audit records queued, not yet written', (set) =>
      set(this.auditPending()),
    );
    this.gauge(
      'audit_records_unsealed',
      'Committed audit records not yet sealed into the hash chain',
      (set) => set(this.auditUnsealed()?.unsealed ?? undefined),
    );
    this.gauge(
      'audit_unsealed_oldest_age_seconds',
      'Seconds since the oldest unsealed audit record occurred (0 when none)',
      (set) => set(this.auditUnsealed()?.oldestUnsealedSeconds ?? undefined),
    );
    this.gauge(
      'audit_seal_max_delay_seconds',
      'How long a record may stay unsealed (AUDIT_SEAL_MAX_DELAY_MS), for the alert rule',
      (set) => set(this.auditUnsealed()?.maxDelaySeconds),
    );
    this.gauge(
      'audit_chain_verified_age_seconds',
      'Seconds since the audit chain was last verified intact up to its head',
      (set) => {
        const at = this.auditVerifiedAt();
        set(at === undefined ? undefined : (Date.now() - at) / 1000);
      },
    );
    this.gauge('db_pool_connections', 'Database pool connections, by state', (set) => {
      for (const state of ['total', 'idle', 'waiting'] as const) set(this.dbPool[state]?.(), state);
    });
    this.principalCacheMetrics();
  }

  /** What the registry reads when scraped; each source is set once, by whoever owns it. */
  watchAuditPending(probe: GaugeProbe): void {
    this.auditPending = probe;
  }

  watchAuditUnsealed(probe: AuditUnsealedProbe): void {
    this.auditUnsealed = probe;
  }

  watchAuditVerifiedAt(probe: GaugeProbe): void {
    this.auditVerifiedAt = probe;
  }

  watchDbPool(probes: Partial<Record<'total' | 'idle' | 'waiting', GaugeProbe>>): void {
    this.dbPool = probes;
  }

  watchPrincipalCache(probe: PrincipalCacheProbe): void {
    this.principalCache = probe;
  }

  /**
   * The principal cache's own counters, copied at scrape time: counters here too (they only
   * grow in the cache), so rate() and a hit ratio work as on any counter.
   */
  private principalCacheMetrics(): void {
    const cache = (): PrincipalCacheCounts | undefined => this.principalCache();
    this.copiedCounter(
      'principal_cache_lookups_total',
      'Principal cache lookups: hit, miss, or bypassed (the change channel was down)',
      () => {
        const c = cache();
        return c && { hit: c.hits, miss: c.misses, bypassed: c.bypassed };
      },
    );
    this.copiedCounter(
      'principal_cache_invalidations_total',
      'Changes announced to the principal cache, by the kind of row they named',
      () => cache()?.invalidationsByKind,
    );
    this.copiedCounter(
      'principal_cache_evictions_total',
      'Principal cache entries dropped to stay within AUTH_CACHE_MAX_ENTRIES',
      () => {
        const c = cache();
        return c && { '': c.evictions };
      },
    );
    this.gauge('principal_cache_entries', 'Entries in the principal cache', (set) =>
      set(cache()?.entries),
    );
    this.gauge(
      'principal_cache_channel_up',
      '1 while the change channel (pg_notify) is subscribed and the cache trusted, else 0',
      (set) => {
        const c = cache();
        set(c === undefined ? undefined : c.live ? 1 : 0);
      },
    );
  }

  /** A counter whose values are read from a source at scrape time, by its one label ('' for none). */
  private copiedCounter(
    name: MetricName,
    help: string,
    read: () => Readonly<Record<string, number>> | undefined,
  ): void {
    const [label] = METRIC_LABELS[name] as readonly string[];
    new Counter({
      name,
      help,
      labelNames: METRIC_LABELS[name],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, count] of Object.entries(read() ?? {})) {
          if (label === undefined) this.inc(count);
          else this.inc({ [label]: value }, count);
        }
      },
    });
  }

  private counter<N extends MetricName>(
    name: N,
    help: string,
  ): Counter<(typeof METRIC_LABELS)[N][number]> {
    return new Counter({ name, help, labelNames: METRIC_LABELS[name], registers: [this.registry] });
  }

  private gauge(
    name: MetricName,
    help: string,
    read: (set: (value: number | undefined, state?: string) => void) => void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames: METRIC_LABELS[name],
      registers: [this.registry],
      collect() {
        this.reset();
        read((value, state) => {
          if (value === undefined) return;
          if (state === undefined) this.set(value);
          else this.set({ state }, value);
        });
      },
    });
  }
}

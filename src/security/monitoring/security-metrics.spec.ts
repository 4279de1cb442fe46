import { METRIC_LABELS, SecurityMetrics } from './security-metrics';

/** Label names that would make one series per caller or per path: unbounded, and personal. */
const FORBIDDEN_LABELS = /user|key|ip|addr|email|path|url|session|token|id$/i;

/** What each metric may be labelled by: changing a label set is a decision, made here. */
const EXPECTED: Record<string, readonly string[]> = {
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
};

describe('SecurityMetrics', () => {
  const metrics = new SecurityMetrics();

  it('exports exactly the metrics with exactly the label sets above', () => {
    expect(METRIC_LABELS).toEqual(EXPECTED);
    for (const [name, labels] of Object.entries(EXPECTED)) {
      const metric = metrics.registry.getSingleMetric(name) as unknown as
        { labelNames: string[] } | undefined;
      expect({ name, labels: metric?.labelNames }).toEqual({ name, labels: [...labels] });
    }
  });

  it('labels nothing by user, key, IP, path or session (beyond the default process metrics)', async () => {
    const own = (await metrics.registry.getMetricsAsJSON()).filter(
      (metric) => !metric.name.startsWith('process_') && !metric.name.startsWith('nodejs_'),
    );
    expect(own.map((metric) => metric.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const labels of Object.values(EXPECTED)) {
      for (const label of labels) expect(label).not.toMatch(FORBIDDEN_LABELS);
    }
  });

  it('includes the process metrics and the event-loop lag', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('copies the principal cache counters at scrape time, labelled by closed sets only', async () => {
    const own = new SecurityMetrics();
    const kinds = { user: 2, session: 1, api_key: 0, signing_key: 0, all: 0, channel: 1, other: 0 };
    const counts = { hits: 5, misses: 2, bypassed: 1, evictions: 3, entries: 4, live: true };
    own.watchPrincipalCache(() => ({ ...counts, invalidationsByKind: kinds }));
    let text = await own.registry.metrics();
    expect(text).toContain('principal_cache_lookups_total{result="hit"} 5');
    expect(text).toContain('principal_cache_lookups_total{result="miss"} 2');
    expect(text).toContain('principal_cache_lookups_total{result="bypassed"} 1');
    expect(text).toContain('principal_cache_invalidations_total{kind="user"} 2');
    expect(text).toContain('principal_cache_invalidations_total{kind="channel"} 1');
    expect(text).toContain('principal_cache_evictions_total 3');
    expect(text).toContain('principal_cache_entries 4');
    expect(text).toContain('principal_cache_channel_up 1');
    // Read again, not added up: the cache's own counters are the truth.
    counts.hits = 6;
    counts.live = false;
    text = await own.registry.metrics();
    expect(text).toContain('principal_cache_lookups_total{result="hit"} 6');
    expect(text).toContain('principal_cache_channel_up 0');
  });

  it('keeps two apps in one process apart (no global registry)', async () => {
    const other = new SecurityMetrics();
    other.refreshReuse.inc();
    expect(await metrics.registry.metrics()).toContain('refresh_token_reuse_total 0');
    expect(await other.registry.metrics()).toContain('refresh_token_reuse_total 1');
  });
});

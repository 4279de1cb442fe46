'use strict';
/**
 * Monitoring checks of the cluster test: a real Prometheus scrapes both instances' metrics
 * listeners (METRICS_PORT, never the API port) and sees what the test did through the proxy.
 */
const { randomBytes, randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { startPrometheus } = require('./lib/prometheus');

/** Failed logins (bad password, unknown account, locked), one series per instance and reason. */
const FAILED_LOGINS = 'auth_failures_total{job="weather-api",credential="password"}';

/** Polls `read` until `done(value)` or the deadline; resolves with the last value read. */
async function pollUntil(read, done, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

/**
 * Starts Prometheus on the instances' metrics ports, waits until it sees both up, makes
 * `failedLogins` failed logins through the proxy (from `localAddress`, a client address with a
 * login budget of its own: at most the per-IP login limit), and checks that the failed-login
 * series, summed over the instances, grows by exactly that many within `timeoutMs` (audit-fed
 * counters follow the audit buffer's flush, about 1 s, then a 1 s scrape).
 */
async function prometheusScrape({
  instances,
  viaProxy,
  check,
  dir,
  failedLogins = 5,
  localAddress = '127.0.0.6',
  timeoutMs = 20_000,
}) {
  const targets = instances.map((instance) => `127.0.0.1:${instance.env.METRICS_PORT}`);
  let prometheus;
  try {
    prometheus = await startPrometheus(join(dir, `prometheus-${randomUUID()}`), { targets });
  } catch (error) {
    check('Prometheus (Debian package) starts on loopback', false, error.message.split('\n')[0]);
    return;
  }
  try {
    const up = await pollUntil(
      () => prometheus.query('up{job="weather-api"} == 1'),
      (result) => result.length === targets.length,
      timeoutMs,
    );
    const health = await prometheus.activeTargets();
    check(
      `Prometheus scrapes the metrics listener of all ${targets.length} instances`,
      up.length === targets.length,
      health.map((t) => `${t.url} ${t.health}${t.lastError ? `: ${t.lastError}` : ''}`).join(', '),
    );
    if (up.length !== targets.length) return;

    // Counted so far (an earlier step may have failed logins); absent until the first one.
    const total = async () => (await prometheus.query(`sum(${FAILED_LOGINS})`))[0]?.value ?? 0;
    const before = await total();
    const statuses = [];
    for (let i = 0; i < failedLogins; i += 1) {
      const res = await viaProxy('POST', '/v1/auth/login', {
        localAddress,
        body: {
          email: `scraped-${randomUUID()}@cluster.test`,
          password: randomBytes(12).toString('base64url'),
        },
      });
      statuses.push(res.status);
    }
    const started = Date.now();
    const after = await pollUntil(total, (value) => value >= before + failedLogins, timeoutMs);
    const perInstance = await prometheus.query(`sum by (instance) (${FAILED_LOGINS})`);
    check(
      `${failedLogins} failed logins through the proxy are counted in Prometheus (auth_failures_total, summed over the instances)`,
      statuses.every((s) => s === 401) && after === before + failedLogins,
      `answers ${[...new Set(statuses)].join('/')}, ${before} -> ${after} in ${Date.now() - started} ms; ` +
        perInstance.map((r) => `${r.metric.instance}: ${r.value}`).join(', '),
    );
  } catch (error) {
    check('Prometheus answers queries', false, error.message);
  } finally {
    await prometheus.stop();
  }
}

module.exports = { prometheusScrape };

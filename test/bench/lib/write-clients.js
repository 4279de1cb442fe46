'use strict';
/**
 * The writing clients of the mixed load: `connections` closed-loop clients on keep-alive
 * sockets, each posting one observation at a time until the duration is over, then waiting
 * for its last answer (bounded by the timeout). Node, not wrk, because the check afterwards
 * needs to know which writes were acknowledged: each body has an instant of its own
 * (`timeBase` + n seconds), and a 201 notes that instant and the X-Request-Id the app gave
 * it, which its audit record carries.
 */
const http = require('node:http');
const { performance } = require('node:perf_hooks');

function post(agent, url, headers, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume(); // the body ({ count }) says nothing the status does not
        res.on('end', () =>
          resolve({ status: res.statusCode, requestId: res.headers['x-request-id'] }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Resolves with { seconds, latenciesMs, byStatus, socketErrors, acknowledged, untilMs }, where
 * `acknowledged` is [{ observedAtMs, requestId }] for every 201, and every write sent used an
 * instant in [timeBase, untilMs).
 */
async function runWrites(base, route, { connections, durationSec, timeoutSec, timeBase }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(`${base}${route.path}`);
  const started = performance.now();
  const deadline = started + durationSec * 1000;
  const latenciesMs = [];
  const byStatus = {};
  const acknowledged = [];
  let socketErrors = 0;
  let n = 0;
  const client = async () => {
    while (performance.now() < deadline) {
      n += 1;
      const observedAtMs = timeBase + n * 1000;
      const body = `{"observedAt":"${new Date(observedAtMs).toISOString()}","temperatureC":20}`;
      const sent = performance.now();
      try {
        const { status, requestId } = await post(
          agent,
          url,
          route.headers,
          body,
          timeoutSec * 1000,
        );
        latenciesMs.push(performance.now() - sent);
        byStatus[status] = (byStatus[status] || 0) + 1;
        if (status === 201) acknowledged.push({ observedAtMs, requestId });
      } catch {
        socketErrors += 1; // refused, reset or timed out: no answer at all
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, client));
  } finally {
    agent.destroy();
  }
  return {
    seconds: (performance.now() - started) / 1000,
    latenciesMs,
    byStatus,
    socketErrors,
    acknowledged,
    untilMs: timeBase + (n + 1) * 1000,
  };
}

module.exports = { runWrites };

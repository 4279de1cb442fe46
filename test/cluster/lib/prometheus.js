'use strict';
/**
 * A real Prometheus server (Debian's prometheus package) for the cluster test: loopback only, a
 * generated config scraping the given metrics targets every second, its storage in a temporary
 * directory removed on stop. Queried through its HTTP API (/api/v1/query).
 */
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { freePort } = require('../../support/free-port');
const { stopChild, waitFor } = require('./servers');

const BINARY = existsSync('/usr/bin/prometheus') ? '/usr/bin/prometheus' : 'prometheus';
const REQUEST_TIMEOUT_MS = 5000;

/** The config: one job, static targets, a scrape every `intervalSeconds` (JSON is valid YAML). */
function renderConfig({ job, targets, intervalSeconds, token }) {
  return JSON.stringify(
    {
      global: { scrape_interval: `${intervalSeconds}s`, scrape_timeout: `${intervalSeconds}s` },
      scrape_configs: [
        {
          job_name: job,
          metrics_path: '/metrics',
          ...(token ? { authorization: { type: 'Bearer', credentials: token } } : {}),
          static_configs: [{ targets }],
        },
      ],
    },
    null,
    2,
  );
}

/**
 * Starts Prometheus in `dir` (created, and removed by stop()). `targets`: host:port of each
 * metrics listener. Resolves once /-/ready answers 200, within `readyTimeoutMs`.
 */
async function startPrometheus(
  dir,
  { targets, job = 'weather-api', intervalSeconds = 1, token, readyTimeoutMs = 30_000 },
) {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, renderConfig({ job, targets, intervalSeconds, token }));
  const port = await freePort();
  const child = spawn(
    BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=1h',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  // The last 16 kB: enough to explain a failure, bounded however long the run.
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString('utf8')).slice(-16_384)));
  const spawnError = new Promise((_, reject) => child.once('error', reject));
  spawnError.catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  const get = async (path) => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await res.text();
    return { status: res.status, body };
  };
  const stop = async () => {
    // No pid: the binary never started (not installed), so there is no exit to wait for.
    if (child.pid !== undefined) await stopChild(child, 'SIGTERM', 10_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      spawnError,
      waitFor(
        'prometheus',
        async () => {
          if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
          return (await get('/-/ready')).status === 200;
        },
        readyTimeoutMs,
      ),
    ]);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\n${stderr}`, { cause: error });
  }

  /** An instant query: the result vector, as [{ metric: {labels}, value: number }]. */
  const query = async (expr) => {
    const { status, body } = await get(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    const parsed = JSON.parse(body);
    if (status !== 200 || parsed.status !== 'success') {
      throw new Error(`query ${expr}: ${status} ${body.slice(0, 500)}`);
    }
    return parsed.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };

  /** Every active target with its health ('up', 'down', 'unknown') and last scrape error. */
  const activeTargets = async () => {
    const parsed = JSON.parse((await get('/api/v1/targets?state=active')).body);
    return parsed.data.activeTargets.map((t) => ({
      url: t.scrapeUrl,
      health: t.health,
      lastError: t.lastError,
    }));
  };

  return { base, query, activeTargets, log: () => stderr, stop };
}

module.exports = { startPrometheus };

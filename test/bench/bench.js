'use strict';
/**
 * HTTP benchmark of the built app: `npm run bench` (builds first), or `node test/bench/bench.js`
 * after `npm run build`.
 *
 * Starts `node dist/src/main.js` as a child process on a free loopback port, waits for
 * /health/ready, finds a station and a time range with data, then runs autocannon against each
 * entry of routes() one after the other and prints a table. Exits non-zero if any route answered
 * anything but 2xx (or had connection errors/timeouts), or if the app failed to start.
 *
 * Database: the server at DATABASE_URL when it is set (its data is used as is: it needs at least
 * one station with observations, e.g. from `npm run seed`, or SEED_DEMO_DATA=true to seed it if
 * it has no stations), otherwise embedded in-memory PGlite seeded with the demo data.
 *
 * Environment:
 *   BENCH_DURATION     seconds per route (default 10)
 *   BENCH_CONNECTIONS  concurrent connections (default 10)
 *   BENCH_PIPELINING   requests in flight per connection (default 1)
 *   DATABASE_URL       benchmark against this PostgreSQL server instead of embedded PGlite
 *   BENCH_API_KEY      send this X-API-Key instead of logging in (see authenticate())
 *   BENCH_LOG_LEVEL    the app's LOG_LEVEL (default warn)
 * The app runs with its per-client rate limits raised to the maximum (NO_RATE_LIMITS), so they
 * do not turn the load into 429s; the limiter itself still runs on every request.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const autocannon = require('autocannon');

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const DURATION = positiveInt('BENCH_DURATION', 10);
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 10);
const PIPELINING = positiveInt('BENCH_PIPELINING', 1);
const START_TIMEOUT_MS = 60_000;
// First admin of the empty in-memory database; a fresh password on every run.
const BENCH_ADMIN = { email: 'bench@bench.invalid', password: randomBytes(24).toString('hex') };
// The benchmark measures throughput, so the per-client rate limits must not cut it short.
const NO_RATE_LIMITS = {
  RATE_LIMIT_IP_PER_MINUTE: '1000000',
  RATE_LIMIT_VIEWER_PER_MINUTE: '1000000',
  RATE_LIMIT_OPERATOR_PER_MINUTE: '1000000',
  RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
  RATE_LIMIT_API_KEY_PER_MINUTE: '1000000',
};

/**
 * Credentials for protected routes, as request headers; sent on the discovery requests and
 * available to every route as `ctx.auth`.
 * - BENCH_API_KEY set: `X-API-Key: <it>` (for a server database whose keys you know).
 * - Otherwise, log in as the bootstrap admin that childEnv() hands the app on an empty embedded
 *   database: a Bearer token. An app without /v1/auth/login (404) gets no credentials.
 */
async function authenticate(baseUrl) {
  if (process.env.BENCH_API_KEY) return { 'x-api-key': process.env.BENCH_API_KEY };
  if (process.env.DATABASE_URL) return {};
  const res = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: BENCH_ADMIN.email, password: BENCH_ADMIN.password }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return {};
  if (res.status !== 200) {
    throw new Error(
      `POST /v1/auth/login answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
    );
  }
  const { accessToken } = await res.json();
  if (typeof accessToken !== 'string') throw new Error('POST /v1/auth/login gave no accessToken');
  return { authorization: `Bearer ${accessToken}` };
}

/**
 * The benchmarked routes. One entry per route:
 *   name     label in the table
 *   path     path and query string
 *   method   optional, default GET
 *   headers  optional request headers, e.g. { ...ctx.auth } or { 'x-api-key': ctx.apiKey }
 *   body     optional: an object (sent as JSON) or string, the same for every request; or a
 *            function (requestNumber) => object|string for a different body on each request
 *            (needed where a repeated body would conflict, e.g. observations at one instant)
 *   expect   optional status code the route must answer (default: any 2xx)
 * The first entry is the baseline the "vs live" ratio divides by.
 */
function routes(ctx) {
  const station = `/v1/stations/${ctx.stationId}`;
  const range = `from=${encodeURIComponent(ctx.from)}&to=${encodeURIComponent(ctx.to)}`;
  return [
    { name: 'GET /health/live', path: '/health/live' },
    { name: 'GET /v1/stations/:id', path: station, headers: { ...ctx.auth } },
    ...(ctx.apiKey
      ? [{ name: 'GET /v1/stations/:id (API key)', path: station, headers: { 'x-api-key': ctx.apiKey } }]
      : []),
    {
      name: 'GET /v1/stations/:id/observations',
      path: `${station}/observations?${range}&limit=100`,
      headers: { ...ctx.auth },
    },
    // A write with its audit record in the same transaction: the cost of durability is visible
    // here. Each request needs its own instant, or it would conflict with the previous one.
    ...(ctx.apiKey
      ? [
          {
            name: 'POST /v1/stations/:id/observations',
            method: 'POST',
            path: `${station}/observations`,
            headers: { 'x-api-key': ctx.apiKey },
            body: (n) => ({
              observedAt: new Date(Date.UTC(2000, 0, 1) + n * 1000).toISOString(),
              temperatureC: 20,
            }),
          },
        ]
      : []),
  ];
}

// ---------------------------------------------------------------------------------------------

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new Error(`${name} must be a whole number >= 1 (got "${raw}")`);
  }
  return Number(raw);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

function childEnv(port) {
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
    DOCS_ENABLED: 'false',
    ...NO_RATE_LIMITS,
  };
  if (process.env.DATABASE_URL) {
    // Someone's database: written to only when asked (SEED_DEMO_DATA=true seeds an empty one).
    env.SEED_DEMO_DATA = process.env.SEED_DEMO_DATA || 'false';
  } else {
    env.PGLITE_DATA_DIR = 'memory://';
    env.SEED_DEMO_DATA = 'true';
    env.BOOTSTRAP_ADMIN_EMAIL = BENCH_ADMIN.email;
    env.BOOTSTRAP_ADMIN_PASSWORD = BENCH_ADMIN.password;
  }
  return env;
}

/** Starts the app; resolves with the child once /health/ready answers 200. */
async function startApp(port) {
  // cwd outside the repo: main.ts loads ./.env when present, and a developer's .env must not
  // change what is measured.
  const child = spawn(process.execPath, [MAIN], {
    cwd: path.join(ROOT, 'test', 'bench'),
    env: childEnv(port),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`app exited during start (code ${exited.code}, signal ${exited.signal})`);
    }
    try {
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`app not ready at ${base}/health/ready within ${START_TIMEOUT_MS / 1000}s`);
}

async function getJson(base, pathAndQuery, headers) {
  const res = await fetch(`${base}${pathAndQuery}`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) {
    throw new Error(
      `GET ${pathAndQuery} answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
    );
  }
  return res.json();
}

/**
 * An API key for the station, with every scope, made through the API with the admin's token:
 * the application path (X-API-Key, SHA-256 lookup) is measured next to the JWT path.
 */
async function createApiKey(base, auth, stationId) {
  if (process.env.BENCH_API_KEY) return process.env.BENCH_API_KEY;
  if (!auth.authorization) return undefined;
  const res = await fetch(`${base}/v1/api-keys`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench',
      scopes: ['stations:read', 'observations:read', 'observations:write'],
      resourceId: stationId,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 201) throw new Error(`POST /v1/api-keys answered ${res.status}`);
  return (await res.json()).key;
}

/** A station with observations, and a time range (at most 31 days) that holds some of them. */
async function discover(base, auth) {
  const stations = await getJson(base, '/v1/stations?limit=100', auth);
  for (const station of stations.data) {
    const latest = await fetch(`${base}/v1/stations/${station.id}/observations/latest`, {
      headers: auth,
      signal: AbortSignal.timeout(10_000),
    });
    if (latest.status !== 200) continue;
    const { observedAt } = await latest.json();
    const to = new Date(new Date(observedAt).getTime() + 1); // `to` is exclusive
    const from = new Date(to.getTime() - 7 * 24 * 3_600_000);
    const page = await getJson(
      base,
      `/v1/stations/${station.id}/observations?from=${encodeURIComponent(from.toISOString())}` +
        `&to=${encodeURIComponent(to.toISOString())}&limit=100`,
      auth,
    );
    if (page.data.length > 0) {
      return {
        resourceId: station.id,
        stationCode: station.code,
        from: from.toISOString(),
        to: to.toISOString(),
        rows: page.data.length,
      };
    }
  }
  throw new Error(
    'no station with observations found (seed the database: npm run seed, or SEED_DEMO_DATA=true)',
  );
}

function autocannonOptions(base, route) {
  const headers = { ...(route.headers || {}) };
  const options = {
    url: `${base}${route.path}`,
    method: route.method || 'GET',
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: DURATION,
    headers,
  };
  const encode = (body) => (typeof body === 'string' ? body : JSON.stringify(body));
  if (route.body !== undefined) {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    if (typeof route.body === 'function') {
      let n = 0;
      options.requests = [
        {
          setupRequest: (request) => ({ ...request, body: encode(route.body(n++)) }),
        },
      ];
    } else {
      options.body = encode(route.body);
    }
  }
  return options;
}

function measure(base, route) {
  return new Promise((resolve, reject) => {
    const statuses = new Map();
    const instance = autocannon(autocannonOptions(base, route), (error, result) => {
      if (error) reject(error);
      else resolve({ result, statuses });
    });
    instance.on('response', (_client, statusCode) => {
      statuses.set(statusCode, (statuses.get(statusCode) || 0) + 1);
    });
  });
}

/**
 * Waits until requests still queued in the app from the previous route are answered (autocannon
 * stops sending at the deadline, but the app may still be working through a backlog): the
 * readiness check needs the database, so it answers only behind the queued queries. Keeps one
 * route's backlog out of the next route's numbers and out of the shutdown.
 */
async function settle(base) {
  const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
}

function table(rows) {
  const header = ['route', 'req/s', 'p99 ms', 'vs live', 'non-2xx', 'errors'];
  const body = rows.map((r) => [
    r.name,
    r.rps.toFixed(0),
    String(r.p99),
    r.ratio.toFixed(2),
    String(r.non2xx),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(
    process.env.DATABASE_URL
      ? `database: PostgreSQL server at ${redact(process.env.DATABASE_URL)} (its existing data)`
      : 'database: embedded PGlite in memory, seeded with the demo data',
  );
  console.log(`app: node ${path.relative(ROOT, MAIN)} on ${base}`);

  let child;
  const stop = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stop();
      process.exit(130);
    });
  }

  const started = Date.now();
  child = await startApp(port);
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);

  const auth = await authenticate(base);
  const found = await discover(base, auth);
  const ctx = { auth, ...found, apiKey: await createApiKey(base, auth, found.stationId) };
  console.log(
    `station ${ctx.stationCode} (${ctx.stationId}), ${ctx.from} .. ${ctx.to} (${ctx.rows} rows on page 1)`,
  );
  console.log(
    `autocannon: ${CONNECTIONS} connections, pipelining ${PIPELINING}, ${DURATION}s per route` +
      ` (${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)})\n`,
  );

  const rows = [];
  for (const route of routes(ctx)) {
    process.stdout.write(`  ${route.name} ... `);
    const { result, statuses } = await measure(base, route);
    await settle(base);
    const expected = (status) =>
      route.expect ? status === route.expect : status >= 200 && status < 300;
    const unexpected = [...statuses].filter(([status]) => !expected(status));
    const row = {
      name: route.name,
      rps: result.requests.average,
      p99: result.latency.p99,
      non2xx: unexpected.reduce((sum, [, count]) => sum + count, 0),
      errors: result.errors + result.timeouts,
      statuses,
    };
    rows.push(row);
    console.log(
      `${row.rps.toFixed(0)} req/s` +
        (unexpected.length
          ? ` (unexpected statuses: ${unexpected.map(([s, c]) => `${s}x${c}`).join(', ')})`
          : ''),
    );
  }
  const baseline = rows[0].rps || 1;
  for (const row of rows) row.ratio = row.rps / baseline;

  console.log(`\n${table(rows)}\n`);
  console.log(
    'Rate limiting ran on FixedWindowStorage: one small record per client and O(1) work per\n' +
      'request. The stock @nestjs/throttler 6.7 memory storage filters every live hit of a key on\n' +
      'each request (~16 ns per hit), so at a high limit one busy client slows every request.\n',
  );

  const bad = rows.filter((row) => row.non2xx > 0 || row.errors > 0 || row.rps === 0);
  stop();
  setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  if (bad.length > 0) {
    console.error(
      `FAILED: unexpected responses or errors on: ${bad.map((row) => row.name).join(', ')}`,
    );
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
  process.exit();
});

'use strict';
/**
 * The built app as a benchmark target: started on a database of its own (embedded PGlite in
 * memory, or a fresh database on the server at DATABASE_URL, dropped afterwards), seeded with the
 * demo data, signed in as a bootstrap admin made for this run, with an API key for one station.
 * Metrics are on, as in production: a listener on a free loopback port (METRICS_PORT=0), so
 * every request pays for its counters; `{ METRICS_PORT: 'off' }` measures the app without them.
 */
const { randomBytes } = require('node:crypto');
const path = require('node:path');
const { Client } = require('pg');
const { startServer, stopServer } = require('./processes');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
// The benchmark measures throughput, so the per-client rate limits must not cut it short; the
// limiter itself still runs on every request.
const NO_RATE_LIMITS = {
  RATE_LIMIT_IP_PER_MINUTE: '1000000',
  RATE_LIMIT_VIEWER_PER_MINUTE: '1000000',
  RATE_LIMIT_OPERATOR_PER_MINUTE: '1000000',
  RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
  RATE_LIMIT_API_KEY_PER_MINUTE: '1000000',
};

/** A new, empty database on the server at `serverUrl`; `drop()` removes it. */
async function createServerDatabase(serverUrl) {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

async function request(base, method, pathAndQuery, { headers = {}, body } = {}) {
  const res = await fetch(`${base}${pathAndQuery}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

async function expectOk(base, method, pathAndQuery, options, status = 200) {
  const res = await request(base, method, pathAndQuery, options);
  if (res.status !== status) {
    throw new Error(`${method} ${pathAndQuery} answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return res.json;
}

/** A station with observations and a 7-day range that holds some of them. */
async function discover(base, auth) {
  const stations = await expectOk(base, 'GET', '/v1/stations?limit=100', { headers: auth });
  for (const station of stations.data) {
    const latest = await request(base, 'GET', `/v1/stations/${station.id}/observations/latest`, {
      headers: auth,
    });
    if (latest.status !== 200) continue;
    const to = new Date(new Date(latest.json.observedAt).getTime() + 1); // `to` is exclusive
    const from = new Date(to.getTime() - 7 * 24 * 3_600_000);
    return { stationId: station.id, from: from.toISOString(), to: to.toISOString() };
  }
  throw new Error('no station with observations in the demo data');
}

/**
 * Starts the app for `database` ('pglite' or 'postgresql') and prepares what the routes need.
 * Resolves with { server, routes, close }, and what the mixed load reads: `databaseUrl` (the
 * server database, null on PGlite), `station` (its path), `range` (a 7-day query string) and
 * `credentials` ({ jwt, key } headers).
 */
async function startAppTarget(database, env = {}) {
  const admin = { email: 'bench@bench.invalid', password: randomBytes(24).toString('hex') };
  const serverDb =
    database === 'postgresql' ? await createServerDatabase(process.env.DATABASE_URL) : null;
  const server = await startServer({
    name: `app (${database})`,
    args: [MAIN],
    // cwd outside the repo: main.ts loads ./.env when present, and a developer's .env must
    // not change what is measured.
    cwd: path.join(ROOT, 'test', 'bench'),
    env: {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      DOCS_ENABLED: 'false',
      SEED_DEMO_DATA: 'true',
      BOOTSTRAP_ADMIN_EMAIL: admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      ...NO_RATE_LIMITS,
      ...(serverDb
        ? { DATABASE_URL: serverDb.url, PGLITE_DATA_DIR: undefined }
        : { DATABASE_URL: undefined, PGLITE_DATA_DIR: 'memory://' }),
      REDIS_URL: undefined,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      ...env,
    },
    readyPath: '/health/ready',
  }).catch(async (error) => {
    await serverDb?.drop();
    throw error;
  });
  const close = async () => {
    await stopServer(server);
    await serverDb?.drop();
  };
  try {
    const base = server.base;
    const login = await expectOk(base, 'POST', '/v1/auth/login', { body: admin });
    const jwt = { authorization: `Bearer ${login.accessToken}` };
    const found = await discover(base, jwt);
    const created = await expectOk(
      base,
      'POST',
      '/v1/api-keys',
      {
        headers: jwt,
        body: {
          name: 'bench',
          scopes: ['stations:read', 'observations:read', 'observations:write'],
          resourceId: found.stationId,
        },
      },
      201,
    );
    const key = { 'x-api-key': created.key };
    const station = `/v1/stations/${found.stationId}`;
    const range = `from=${encodeURIComponent(found.from)}&to=${encodeURIComponent(found.to)}`;
    const routes = [
      { name: 'GET /health/live', path: '/health/live' },
      { name: 'GET station (JWT)', path: station, headers: jwt },
      { name: 'GET station (API key)', path: station, headers: key },
      {
        name: 'GET 100 observations',
        path: `${station}/observations?${range}&limit=100`,
        headers: jwt,
      },
      {
        // A write with its audit record in the same transaction; each request its own instant.
        name: 'POST observation (audited)',
        method: 'POST',
        path: `${station}/observations`,
        headers: key,
        bodyTemplate: '{"observedAt":"%TIME%","temperatureC":20}',
      },
    ];
    return {
      server,
      routes,
      close,
      settle: () => request(base, 'GET', '/health/ready'),
      databaseUrl: serverDb ? serverDb.url : null,
      station,
      range,
      credentials: { jwt, key },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

module.exports = { startAppTarget };

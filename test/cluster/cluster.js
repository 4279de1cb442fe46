'use strict';
/**
 * The cluster test (npm run test:cluster, a CI step): real PostgreSQL, Redis and nginx, two app
 * instances behind the TLS proxy, on loopback only. Every loop is bounded in count and time.
 *
 *   DATABASE_URL=postgresql://... npm run test:cluster
 *
 * Needs a PostgreSQL server (DATABASE_URL: a role that may CREATE DATABASE), redis-server,
 * nginx, openssl and prometheus on PATH; .ci/run installs them. Exits non-zero when any check fails, after
 * printing every result and the table.
 */
const { randomBytes, randomUUID } = require('node:crypto');
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { freePort } = require('../support/free-port');
const { closeAgents, send } = require('./lib/client');
const { Instance } = require('./lib/instances');
const { startMailSink } = require('./lib/mail-sink');
const { prometheusScrape } = require('./monitoring-checks');
const { createDatabase, makeCertificate, startNginx, startRedis } = require('./lib/servers');

const PROXY_ADDRESS = '127.0.0.10'; // nginx connects upstream from here: the one trusted hop
const VIEWER_LIMIT = 20;
const LOGIN_IP_LIMIT = 12;
const LOAD_WORKERS = 8;
const PROXY_FLOOD_BURST = 5;
const PROXY_FAIL_TIMEOUT_MS = 2000;
const HARD_LIMIT_MS = 8 * 60_000;

const results = [];
const table = [];
function check(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

async function main() {
  if (!process.env.DATABASE_URL) {
    console.error('test:cluster needs DATABASE_URL (a PostgreSQL server; .ci/run provides one)');
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'weather-cluster-'));
  // nginx's workers (nobody, when the test runs as root) buffer bodies over 16 kB and large
  // answers in temp folders below: they must be able to pass through (no listing). Without it
  // every such request through the proxy was a 500 from nginx.
  chmodSync(dir, 0o711);
  const cleanups = [];
  try {
    const db = await createDatabase(process.env.DATABASE_URL);
    cleanups.push(() => db.drop());
    const redis = await startRedis(dir);
    cleanups.push(() => redis.stop());
    const certificate = makeCertificate(dir);
    const mail = await startMailSink(certificate);
    cleanups.push(() => mail.stop());
    const admin = {
      email: `admin-${randomUUID()}@cluster.test`,
      password: randomBytes(18).toString('base64url'),
    };
    const env = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      JWT_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      TRUST_PROXY: PROXY_ADDRESS,
      BOOTSTRAP_ADMIN_EMAIL: admin.email,
      BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: 'warn',
      DOCS_ENABLED: 'false',
      SEED_DEMO_DATA: 'false',
      REGISTRATION_ENABLED: 'true',
      SHUTDOWN_IDLE_GRACE_MS: '3000',
      // Registration mails a verification link: production needs a TLS relay to send it.
      SMTP_URL: mail.url,
      MAIL_FROM: 'Weather API <no-reply@cluster.test>',
      PUBLIC_APP_URL: 'https://weather.cluster.test',
      NODE_EXTRA_CA_CERTS: certificate.cert,
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_ADMIN_PER_MINUTE: '1000000',
      RATE_LIMIT_OPERATOR_PER_MINUTE: '1000000',
      RATE_LIMIT_API_KEY_PER_MINUTE: '1000000',
      RATE_LIMIT_VIEWER_PER_MINUTE: String(VIEWER_LIMIT),
      RATE_LIMIT_LOGIN_IP_PER_15_MINUTES: String(LOGIN_IP_LIMIT),
      RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: '100',
      METRICS_HOST: '127.0.0.1',
    };
    // Each its own metrics listener, which the Prometheus of prometheusScrape scrapes.
    const metricsPort = async () => ({ ...env, METRICS_PORT: String(await freePort()) });
    const a = new Instance('A', await freePort(), await metricsPort());
    const b = new Instance('B', await freePort(), await metricsPort());
    cleanups.push(
      () => b.kill(),
      () => a.kill(),
    );
    // Both at once on an empty database: the migration lock makes them take turns.
    await Promise.all([a.start(), b.start()]);
    const [{ runs }] = await db.query('SELECT count(*)::int AS runs FROM migrations');
    const [{ distinct }] = await db.query(
      'SELECT count(DISTINCT name)::int AS distinct FROM migrations',
    );
    check(
      'two instances started together on an empty database; each migration ran once',
      runs === distinct,
      `${runs} rows`,
    );

    const upstreams = [a, b].map((i) => `127.0.0.1:${i.port}`);
    const proxy = await startNginx(join(dir, 'nginx'), {
      upstreams,
      certificate,
      bindAddress: PROXY_ADDRESS,
      failTimeoutMs: PROXY_FAIL_TIMEOUT_MS,
    });
    cleanups.push(() => proxy.stop());
    const proxyOne = await startNginx(join(dir, 'nginx-one'), {
      upstreams: upstreams.slice(0, 1),
      certificate,
      bindAddress: PROXY_ADDRESS,
      failTimeoutMs: PROXY_FAIL_TIMEOUT_MS,
    });
    cleanups.push(() => proxyOne.stop());

    const viaProxy = (method, path, options = {}) =>
      send(proxy.base, method, path, { ca: certificate.ca, ...options });
    const signIn = async (base, user, options = {}) => {
      const body = { email: user.email, password: user.password };
      const res = await send(base, 'POST', '/v1/auth/login', {
        ca: certificate.ca,
        body,
        ...options,
      });
      if (res.status !== 200)
        throw new Error(`login ${user.email}: ${res.status} ${JSON.stringify(res.body)}`);
      return { authorization: `Bearer ${res.body.accessToken}` };
    };
    const adminAuth = await signIn(proxy.base, admin);
    await prometheusScrape({ instances: [a, b], viaProxy, check, dir });
    const newUser = async (role) => {
      const user = {
        email: `${role}-${randomUUID()}@cluster.test`,
        password: randomBytes(18).toString('base64url'),
      };
      const created = await viaProxy('POST', '/v1/auth/register', { body: user });
      if (created.status !== 201)
        throw new Error(`register: ${created.status} ${JSON.stringify(created.body)}`);
      // Unverified accounts are read-only and cannot be made operators: follow the mailed link.
      const token = await mail.tokenFor(user.email);
      const verified = await viaProxy('POST', '/v1/auth/verify-email', { body: { token } });
      if (verified.status !== 204) throw new Error(`verify: ${verified.status}`);
      if (role !== 'viewer') {
        const patched = await viaProxy('PATCH', `/v1/users/${created.body.id}`, {
          headers: adminAuth,
          body: { role },
        });
        if (patched.status !== 200)
          throw new Error(`grant ${role}: ${patched.status} ${JSON.stringify(patched.body)}`);
      }
      return { ...user, id: created.body.id };
    };

    await exactLimit(viaProxy, signIn, proxy, newUser, [a, b]);
    await proxyLimits({ viaProxy, adminAuth, upstreams, certificate, dir, cleanups });
    await forwardedFor({ viaProxy, proxy, a, db, certificate, adminAuth });
    await revocation({ a, b, signIn, newUser, adminAuth, certificate });
    const station = await viaProxy('POST', '/v1/stations', {
      headers: adminAuth,
      body: {
        code: `CL_${randomBytes(3).toString('hex').toUpperCase()}`,
        name: 'Cluster',
        latitude: 1,
        longitude: 2,
        elevationM: 3,
        timezone: 'UTC',
      },
    });
    if (station.status !== 201) throw new Error(`station: ${station.status}`);
    await killUnderLoad({ viaProxy, adminAuth, stationId: station.body.id, db, b });
    await rollingRestart({
      viaProxy,
      adminAuth,
      stationId: station.body.id,
      db,
      instances: [a, b],
    });
    if (results.some((r) => !r.ok)) {
      console.log(
        `nginx error log (last lines):\n${proxy.errorLog().split('\n').slice(-15).join('\n')}`,
      );
    }
    await idempotentRetry({ a, b, adminAuth, stationId: station.body.id, db });
    for (const instance of [a, b]) {
      const verify = await send(instance.base, 'GET', '/v1/audit-logs/verify', {
        headers: adminAuth,
      });
      check(
        `audit chain valid, read on ${instance.name}, after writes through both`,
        verify.status === 200 && verify.body.valid === true,
        `${verify.body?.checked} records`,
      );
    }
    await throughput({ proxy, proxyOne, certificate, adminAuth, stationId: station.body.id });
  } finally {
    closeAgents();
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e) => console.error(`cleanup: ${e.message}`));
    rmSync(dir, { recursive: true, force: true });
  }
  printTable();
  const failed = results.filter((r) => !r.ok);
  console.log(`\ncluster: ${results.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) process.exitCode = 1;
}

/** The sum of one metric's series on an instance's own metrics listener (label filter optional). */
async function metricOn(instance, name, labels = '') {
  const res = await send(`http://127.0.0.1:${instance.env.METRICS_PORT}`, 'GET', '/metrics', {
    headers: { accept: 'text/plain' },
  });
  if (res.status !== 200) return NaN;
  return String(res.body)
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => labels === '' || line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function exactLimit(viaProxy, signIn, proxy, newUser, instances) {
  const viewer = await newUser('viewer');
  const auth = await signIn(proxy.base, viewer);
  const throttled = (i) => metricOn(i, 'throttled_requests_total');
  const throttledBefore = await Promise.all(instances.map(throttled));
  const statuses = [];
  let retryAfter = true;
  for (let i = 0; i < VIEWER_LIMIT + 10; i += 1) {
    const res = await viaProxy('GET', '/v1/stations', { headers: auth });
    statuses.push(res.status);
    if (res.status === 429 && !res.headers['retry-after']) retryAfter = false;
  }
  const accepted = statuses.filter((s) => s === 200).length;
  const limited = statuses.filter((s) => s === 429).length;
  check(
    `a per-user limit of ${VIEWER_LIMIT} is exact across both instances`,
    accepted === VIEWER_LIMIT && limited === 10 && retryAfter,
    `${accepted} accepted, ${limited} x 429 with Retry-After`,
  );
  // Exact only means something if both instances answered: each refused some of the 429s
  // (counters kept per instance would have let each accept the full limit, 30 in all).
  const refusedBy = (await Promise.all(instances.map(throttled))).map(
    (n, i) => n - throttledBefore[i],
  );
  check(
    'the limited requests were spread over both instances by the proxy',
    refusedBy.every((n) => n > 0) && refusedBy.reduce((x, y) => x + y, 0) === limited,
    instances.map((instance, i) => `${instance.name} refused ${refusedBy[i]}`).join(', '),
  );
}

/**
 * The proxy's own flood guard, in front of the app's rules (README "Which layer does what"):
 * a body past its cap is refused by nginx without reaching the app, a body between the app's
 * 100 kB and that cap gets the app's 413 problem+json, and a per-IP rate (a proxy run here with a
 * low one) refuses one address while another goes on.
 */
async function proxyLimits({ viaProxy, adminAuth, upstreams, certificate, dir, cleanups }) {
  const big = (kB) => ({
    code: 'BIG',
    name: 'x'.repeat(kB * 1024),
    latitude: 1,
    longitude: 2,
    elevationM: 3,
    timezone: 'UTC',
  });
  const atProxy = await viaProxy('POST', '/v1/stations', { headers: adminAuth, body: big(300) });
  check(
    'a body over the proxy cap (256 kB) is refused by nginx itself',
    atProxy.status === 413 && !String(atProxy.headers?.['content-type']).includes('problem'),
    `${atProxy.status} ${atProxy.headers?.['content-type'] ?? atProxy.error}`,
  );
  const atApp = await viaProxy('POST', '/v1/stations', { headers: adminAuth, body: big(150) });
  check(
    "a body over the app's 100 kB but under the proxy cap gets the app's 413 problem+json",
    atApp.status === 413 &&
      String(atApp.headers?.['content-type']).startsWith('application/problem+json'),
    `${atApp.status} ${atApp.headers?.['content-type'] ?? atApp.error}`,
  );

  const tight = await startNginx(join(dir, 'nginx-tight'), {
    upstreams,
    certificate,
    bindAddress: PROXY_ADDRESS,
    failTimeoutMs: PROXY_FAIL_TIMEOUT_MS,
    ratePerSecond: 1,
    burst: PROXY_FLOOD_BURST,
  });
  cleanups.push(() => tight.stop());
  const live = (localAddress) =>
    send(tight.base, 'GET', '/health/live', { ca: certificate.ca, localAddress });
  const flood = await Promise.all(
    Array.from({ length: PROXY_FLOOD_BURST * 3 }, () => live('127.0.0.7')),
  );
  const shed = flood.filter((r) => r.status === 429).length;
  const passed = flood.filter((r) => r.status === 200).length;
  const neighbour = await live('127.0.0.8');
  check(
    "the proxy's per-IP rate sheds one address's flood (429) and leaves another address alone",
    shed >= PROXY_FLOOD_BURST &&
      passed >= 1 &&
      passed <= PROXY_FLOOD_BURST + 2 &&
      neighbour.status === 200,
    `${passed} passed, ${shed} x 429; another address: ${neighbour.status}`,
  );
}

async function forwardedFor({ viaProxy, proxy, a, db, certificate, adminAuth }) {
  const code = `XF_${randomBytes(3).toString('hex').toUpperCase()}`;
  const body = { code, name: 'XFF', latitude: 1, longitude: 2, elevationM: 3, timezone: 'UTC' };
  const created = await viaProxy('POST', '/v1/stations', {
    headers: { ...adminAuth, 'x-forwarded-for': '203.0.113.7' },
    body,
    localAddress: '127.0.0.2',
  });
  const [row] = await db.query(
    `SELECT client_ip FROM audit_log WHERE action = 'station.created' AND resource_id = $1`,
    [created.body?.id],
  );
  check(
    "the audit IP is the proxy's X-Forwarded-For (the client's address), never the client's own header",
    row?.client_ip === '127.0.0.2',
    `recorded ${row?.client_ip}`,
  );

  const direct = await send(a.base, 'POST', '/v1/stations', {
    headers: { ...adminAuth, 'x-forwarded-for': '198.51.100.1' },
    body: { ...body, code: `${code}D` },
    localAddress: '127.0.0.5',
  });
  const [directRow] = await db.query(
    `SELECT client_ip FROM audit_log WHERE action = 'station.created' AND resource_id = $1`,
    [direct.body?.id],
  );
  check(
    'a client that bypasses the proxy cannot set its IP either (untrusted hop)',
    directRow?.client_ip === '127.0.0.5',
    `recorded ${directRow?.client_ip}`,
  );

  const attempt = (localAddress, i) =>
    send(proxy.base, 'POST', '/v1/auth/login', {
      ca: certificate.ca,
      localAddress,
      headers: { 'x-forwarded-for': `192.0.2.${i % 250}` },
      body: { email: `nobody-${i}@cluster.test`, password: 'wrong-password-123' },
    });
  const statuses = [];
  for (let i = 0; i < LOGIN_IP_LIMIT + 3; i += 1)
    statuses.push((await attempt('127.0.0.3', i)).status);
  const limited = statuses.filter((s) => s === 429).length;
  check(
    'a spoofed X-Forwarded-For does not give a client a new login budget',
    limited === 3,
    `${statuses.filter((s) => s === 401).length} x 401 then ${limited} x 429`,
  );
  const other = await attempt('127.0.0.4', 999);
  check(
    'another client address (as the proxy reports it) has its own budget',
    other.status === 401,
    `status ${other.status}`,
  );
}

/** A change made through A must be refused on B at once (polled for at most 100 ms). */
async function refusedOnB(b, request, refusedStatus) {
  const started = Date.now();
  for (;;) {
    const res = await request(b);
    if (res.status === refusedStatus) return Date.now() - started;
    if (Date.now() - started > 100) return -res.status;
  }
}

async function revocation({ a, b, signIn, newUser, adminAuth }) {
  const me = (auth) => (instance) => send(instance.base, 'GET', '/v1/auth/me', { headers: auth });
  const report = (name, before, ms) =>
    check(
      `${name} on A is refused on B at once`,
      before === 200 && ms >= 0,
      ms >= 0 ? `${ms} ms` : `B still answered ${-ms}`,
    );

  const person = await newUser('viewer');
  const auth = await signIn(a.base, person);
  const before = (await me(auth)(b)).status;
  await send(a.base, 'POST', '/v1/auth/logout', { headers: auth });
  report('logout', before, await refusedOnB(b, me(auth), 401));

  const key = await send(a.base, 'POST', '/v1/api-keys', {
    headers: adminAuth,
    body: { name: 'cluster', scopes: ['stations:read'] },
  });
  const keyAuth = { 'x-api-key': key.body.key };
  const list = (instance) => send(instance.base, 'GET', '/v1/stations', { headers: keyAuth });
  const keyBefore = (await list(b)).status;
  await send(a.base, 'DELETE', `/v1/api-keys/${key.body.id}`, { headers: adminAuth });
  report('API key revocation', keyBefore, await refusedOnB(b, list, 401));

  const victim = await newUser('viewer');
  const victimAuth = await signIn(a.base, victim);
  const victimBefore = (await me(victimAuth)(b)).status;
  await send(a.base, 'PATCH', `/v1/users/${victim.id}`, {
    headers: adminAuth,
    body: { disabled: true },
  });
  report('disabling a user', victimBefore, await refusedOnB(b, me(victimAuth), 401));

  const operator = await newUser('operator');
  const operatorAuth = await signIn(a.base, operator);
  const create = (instance) =>
    send(instance.base, 'POST', '/v1/stations', {
      headers: operatorAuth,
      body: {
        code: `RC_${randomBytes(4).toString('hex').toUpperCase()}`,
        name: 'Role',
        latitude: 1,
        longitude: 2,
        elevationM: 3,
        timezone: 'UTC',
      },
    });
  const createBefore = (await create(b)).status === 201 ? 200 : 0;
  await send(a.base, 'PATCH', `/v1/users/${operator.id}`, {
    headers: adminAuth,
    body: { role: 'viewer' },
  });
  report('a role change (operator to viewer)', createBefore, await refusedOnB(b, create, 403));
}

let observationClock = Date.now() - 86_400_000;
function nextObservation() {
  observationClock += 1000;
  return { observedAt: new Date(observationClock).toISOString(), temperatureC: 12.5 };
}

/** LOAD_WORKERS loops posting one observation each, until stop(); every answer is kept. */
function writeLoad(viaProxy, adminAuth, stationId) {
  const answers = [];
  let running = true;
  const deadline = Date.now() + 60_000;
  const worker = async () => {
    while (running && Date.now() < deadline && answers.length < 20_000) {
      const body = nextObservation();
      const startedAt = performance.now();
      const res = await viaProxy('POST', `/v1/stations/${stationId}/observations`, {
        headers: adminAuth,
        body,
      });
      answers.push({
        status: res.status,
        observedAt: body.observedAt,
        startedAt,
        ms: res.ms,
        error: res.error,
      });
    }
  };
  const done = Promise.all(Array.from({ length: LOAD_WORKERS }, worker));
  return {
    answers,
    stop: async () => {
      running = false;
      await done;
      return answers;
    },
  };
}

async function storedState(db, stationId) {
  const rows = await db.query('SELECT observed_at FROM observations WHERE station_id = $1', [
    stationId,
  ]);
  const [{ audited }] = await db.query(
    `SELECT coalesce(sum((details->>'count')::int), 0)::int AS audited FROM audit_log WHERE action = 'observations.ingested' AND resource_id = $1`,
    [stationId],
  );
  return { stored: new Set(rows.map((r) => new Date(r.observed_at).toISOString())), audited };
}

function summarize(name, answers, acked, stored) {
  const by = (test) => answers.filter((r) => test(r.status)).length;
  const times = answers
    .filter((r) => r.status > 0)
    .map((r) => r.ms)
    .sort((x, y) => x - y);
  table.push({
    name,
    requests: answers.length,
    '2xx': by((s) => s >= 200 && s < 300),
    '4xx': by((s) => s >= 400 && s < 500),
    '5xx': by((s) => s >= 500),
    'net err': by((s) => s === 0),
    acked,
    stored,
    'p99 ms': times.length ? Math.round(times[Math.floor(times.length * 0.99)]) : '-',
  });
}

async function killUnderLoad({ viaProxy, adminAuth, stationId, db, b }) {
  const before = await storedState(db, stationId);
  const load = writeLoad(viaProxy, adminAuth, stationId);
  await sleep(1500);
  await b.kill();
  // B is gone (its exit was seen): requests that start from now on must all succeed. Those in
  // flight at the kill may fail: nginx does not resend a POST it has already sent.
  const killedAt = performance.now();
  await sleep(2000);
  await b.start();
  await backInRotation();
  const answers = await load.stop();
  const after = await storedState(db, stationId);
  const acked = answers.filter((r) => r.status === 201);
  const lost = acked.filter((r) => !after.stored.has(r.observedAt)).length;
  const stored = after.stored.size - before.stored.size;
  const afterKill = answers.filter((r) => r.startedAt >= killedAt);
  const failedAfterKill = afterKill.filter((r) => r.status !== 201).length;
  summarize('kill -9 B under write load', answers, acked.length, stored);
  check(
    'kill -9 under load: every acknowledged write is stored',
    lost === 0,
    `${acked.length} acked, ${lost} lost`,
  );
  check(
    'kill -9 under load: nothing half-written (every stored row has its audit record)',
    after.audited - before.audited === stored,
    `${stored} rows, ${after.audited - before.audited} audited`,
  );
  check(
    'kill -9 under load: the proxy routes around the dead instance',
    failedAfterKill === 0 && afterKill.length > 0 && answers.length - acked.length <= LOAD_WORKERS,
    `${answers.length - acked.length} failed, all in flight at the kill; ${afterKill.length} started after it, ${failedAfterKill} of them failed`,
  );
}

/**
 * After an instance is back (ready on its own port), nginx still counts it as failed for
 * fail_timeout after its last refused connection, and each nginx worker keeps its own count:
 * the last refusal can come just before the instance listens. Stopping another instance
 * sooner leaves no live upstream, and nginx answers 502 until the window ends. A real roll
 * waits the same way (Kubernetes: minReadySeconds). Every restart in this test waits here.
 */
function backInRotation() {
  return sleep(PROXY_FAIL_TIMEOUT_MS + 1500);
}

async function rollingRestart({ viaProxy, adminAuth, stationId, db, instances }) {
  const before = await storedState(db, stationId);
  const load = writeLoad(viaProxy, adminAuth, stationId);
  await sleep(1000);
  for (const instance of instances) {
    await instance.stop();
    await instance.start();
    await backInRotation();
  }
  const answers = await load.stop();
  const after = await storedState(db, stationId);
  const acked = answers.filter((r) => r.status === 201);
  const stored = after.stored.size - before.stored.size;
  summarize('rolling restart (SIGTERM A, then B)', answers, acked.length, stored);
  const failures = answers.filter((r) => r.status !== 201);
  check(
    'rolling restart under load: zero failed requests',
    failures.length === 0,
    failures.length ? JSON.stringify(failures.slice(0, 3)) : `${answers.length} requests`,
  );
  check(
    'rolling restart: every acknowledged write is stored, once',
    stored === acked.length && after.audited - before.audited === stored,
    `${acked.length} acked, ${stored} stored`,
  );
}

async function idempotentRetry({ a, b, adminAuth, stationId, db }) {
  const batch = [nextObservation(), nextObservation(), nextObservation()];
  const key = randomUUID();
  const path = `/v1/stations/${stationId}/observations`;
  const first = await send(a.base, 'POST', path, {
    headers: { ...adminAuth, 'idempotency-key': key },
    body: batch,
  });
  const retry = await send(b.base, 'POST', path, {
    headers: { ...adminAuth, 'idempotency-key': key },
    body: batch,
  });
  const rows = await db.query(
    'SELECT count(*)::int AS n FROM observations WHERE station_id = $1 AND observed_at = ANY($2::timestamptz[])',
    [stationId, batch.map((o) => o.observedAt)],
  );
  check(
    'a batch retried on the other instance replays the first answer',
    first.status === 201 &&
      retry.status === 201 &&
      retry.headers['idempotent-replayed'] === 'true' &&
      rows[0].n === 3,
    `${first.status}/${retry.status}, ${rows[0].n} rows`,
  );
}

async function throughput({ proxy, proxyOne, certificate, adminAuth, stationId }) {
  for (const [name, target] of [
    ['reads, one instance behind the proxy', proxyOne],
    ['reads, two instances behind the proxy', proxy],
  ]) {
    const answers = [];
    const until = Date.now() + 4000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < until) {
          const res = await send(target.base, 'GET', `/v1/stations/${stationId}`, {
            ca: certificate.ca,
            headers: adminAuth,
          });
          answers.push({ status: res.status, ms: res.ms });
        }
      }),
    );
    summarize(`${name}: ${Math.round(answers.length / 4)} req/s`, answers, '-', '-');
  }
}

function printTable() {
  if (table.length === 0) return;
  const columns = Object.keys(table[0]);
  const widths = columns.map((c) =>
    Math.max(c.length, ...table.map((row) => String(row[c]).length)),
  );
  const line = (cells) =>
    `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(columns)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const row of table) console.log(line(columns.map((c) => row[c])));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const watchdog = setTimeout(() => {
  console.error(`cluster test exceeded ${HARD_LIMIT_MS / 1000} s`);
  process.exit(1);
}, HARD_LIMIT_MS);
watchdog.unref();

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exitCode = 1;
});

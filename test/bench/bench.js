'use strict';
/**
 * `npm run bench` (builds first): the security stack measured against the framework's floors,
 * side by side in one run.
 *
 * Floors: a node:http hello, and a bare Nest hello on the Express and on the Fastify adapter.
 * Routes: each route of lib/app-target.js on the built app with embedded PGlite, and again on
 * a fresh database on the PostgreSQL server at DATABASE_URL when it is set. Every server is a
 * process of its own; the targets are interleaved over BENCH_ROUNDS rounds and the medians are
 * reported: req/s, p50/p99, the ratio to node:http, and the server's CPU µs per request read
 * from /proc (the app's process, and every `postgres` process for the server database), which
 * neighbours' noise changes far less than req/s. The same figures go to BENCH_JSON.
 *
 * `npm run bench -- --layers` prints the cost of each layer instead (lib/layer-costs.js).
 *
 * Environment: BENCH_DURATION (s per target per round, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s,
 * 2), BENCH_CONNECTIONS (10), BENCH_ONLY (a regular expression on target names),
 * BENCH_JSON (dist/bench/results.json), BENCH_LOG_LEVEL (the app's LOG_LEVEL, warn),
 * BENCH_COMPARE_CACHE=1 (also run each database's app with the principal cache off, its routes
 * named "... no cache", to compare within one run), BENCH_COMPARE_METRICS=1 (the same with the
 * metrics off, "... no metrics": the app targets otherwise run with them on, as in production),
 * DATABASE_URL (a server where this run may create and drop a database).
 * Exits non-zero when any target answered anything but 2xx or had connection errors.
 * Benchmarks measure; no test asserts a time.
 */
const os = require('node:os');
const path = require('node:path');
const { startAppTarget } = require('./lib/app-target');
const { startLayerTargets, withAddedCost } = require('./lib/layer-costs');
const { generatorName, runLoad } = require('./lib/load');
const { cpuSeconds, postgresCpuSeconds, startServer, stopServer } = require('./lib/processes');
const { summarise, table, writeJson } = require('./lib/report');

const ROOT = path.resolve(__dirname, '..', '..');
const settings = {
  durationSec: positiveInt('BENCH_DURATION', 10),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  warmupSec: positiveInt('BENCH_WARMUP', 2),
  connections: positiveInt('BENCH_CONNECTIONS', 10),
  only: process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null,
  json: process.env.BENCH_JSON || path.join(ROOT, 'dist', 'bench', 'results.json'),
};
const FLOOR = 'node:http hello';
const LAYERS_MODE = process.argv.includes('--layers');

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new Error(`${name} must be a whole number >= 1 (got "${raw}")`);
  }
  return Number(raw);
}

async function startFloors(only) {
  const floors = [
    { name: FLOOR, args: [path.join(__dirname, 'floors', 'node-http.js')], readyPath: '/' },
    {
      name: 'Nest + Express hello',
      args: [path.join(__dirname, 'floors', 'nest-hello.js'), 'express'],
      readyPath: '/hello',
    },
    {
      name: 'Nest + Fastify hello',
      args: [path.join(__dirname, 'floors', 'nest-hello.js'), 'fastify'],
      readyPath: '/hello',
    },
  ];
  const targets = [];
  for (const floor of floors.filter((f) => !only || only.includes(f.name))) {
    const server = await startServer({ ...floor, cwd: ROOT, env: {} });
    targets.push({ name: floor.name, server, route: { path: floor.readyPath }, rounds: [] });
  }
  return targets;
}

function appTargets(app, database, suffix = '') {
  return app.routes.map((route) => ({
    name: `${route.name}${suffix}`,
    database,
    server: app.server,
    route,
    settle: app.settle,
    rounds: [],
  }));
}

/** One load run on one target, with the CPU its server (and PostgreSQL) spent on it. */
async function measure(target, durationSec, timeBase) {
  const appBefore = cpuSeconds(target.server.pid);
  const dbBefore = target.database === 'postgresql' ? postgresCpuSeconds() : undefined;
  const result = await runLoad(target.server.base, target.route, {
    connections: settings.connections,
    durationSec,
    timeBase,
  });
  // Queued requests are still the route's work: wait for them before reading the CPU.
  if (target.settle) await target.settle();
  const appAfter = cpuSeconds(target.server.pid);
  const dbAfter = dbBefore === undefined ? undefined : postgresCpuSeconds();
  const perRequest = (before, after) =>
    before === undefined || after === undefined || result.requests === 0
      ? undefined
      : ((after - before) * 1e6) / result.requests;
  return {
    ...result,
    appCpuUsPerRequest: perRequest(appBefore, appAfter),
    dbCpuUsPerRequest: perRequest(dbBefore, dbAfter),
  };
}

async function main() {
  const closers = [];
  const cleanUp = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  try {
    const floors = await startFloors(LAYERS_MODE ? [FLOOR] : undefined);
    for (const floor of floors) closers.push(() => stopServer(floor.server));
    const targets = [...floors];
    if (LAYERS_MODE) {
      const hosts = await startLayerTargets();
      closers.push(hosts.close);
      targets.push(...hosts.targets);
    } else {
      for (const database of ['pglite', ...(process.env.DATABASE_URL ? ['postgresql'] : [])]) {
        const app = await startAppTarget(database);
        closers.push(app.close);
        targets.push(...appTargets(app, database));
        if (process.env.BENCH_COMPARE_CACHE === '1') {
          const uncached = await startAppTarget(database, { AUTH_CACHE_MAX_ENTRIES: '0' });
          closers.push(uncached.close);
          targets.push(...appTargets(uncached, database, ', no cache'));
        }
        if (process.env.BENCH_COMPARE_METRICS === '1') {
          const unmeasured = await startAppTarget(database, { METRICS_PORT: 'off' });
          closers.push(unmeasured.close);
          targets.push(...appTargets(unmeasured, database, ', no metrics'));
        }
      }
    }
    const chosen = targets.filter((t) => !settings.only || settings.only.test(t.name));
    console.log(
      `${generatorName()}, ${settings.connections} connections, ${settings.rounds} rounds of ` +
        `${settings.durationSec}s per target (after ${settings.warmupSec}s warm-up), ` +
        `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}\n`,
    );
    // Writes in each run get instants of their own: a repeated observation would be a 409.
    let timeBase = Date.UTC(2001, 0, 1);
    const nextTimeBase = () => (timeBase += 100_000_000);
    for (const target of chosen) await measure(target, settings.warmupSec, nextTimeBase());
    for (let round = 1; round <= settings.rounds; round++) {
      for (const target of chosen) {
        const result = await measure(target, settings.durationSec, nextTimeBase());
        target.rounds.push(result);
        console.log(
          `  round ${round}  ${target.name}${target.database ? ` [${target.database}]` : ''}: ` +
            `${(result.requests / result.seconds).toFixed(0)} req/s`,
        );
      }
    }
    const summary = summarise(chosen, FLOOR);
    const rows = LAYERS_MODE ? [summary[0], ...withAddedCost(summary.slice(1))] : summary;
    console.log(`\n${table(rows)}\n`);
    console.log(
      'ratio = req/s / node:http hello; µs/req = server CPU (user + system) per request' +
        (LAYERS_MODE ? "; added = this step's µs/req minus the previous step's" : '') +
        '\n',
    );
    writeJson(settings.json, {
      date: new Date().toISOString(),
      node: process.version,
      cores: os.cpus().length,
      generator: generatorName(),
      mode: LAYERS_MODE ? 'layers' : 'routes',
      settings: { ...settings, only: process.env.BENCH_ONLY || null },
      rows,
    });
    console.log(`written to ${path.relative(process.cwd(), settings.json)}`);
    const failed = rows.filter((r) => r.non2xx > 0 || r.errors > 0 || !r.rps);
    if (failed.length > 0) {
      console.error(
        `FAILED: non-2xx answers or errors on: ${failed.map((r) => r.name).join(', ')}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await cleanUp();
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

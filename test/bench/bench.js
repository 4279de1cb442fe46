'use strict';
/**
 * `npm run bench` (builds first): the security stack measured against the framework's floors.
 * With no flag, one run prints every section in turn; `--routes`, `--layers` and `--mixed` run
 * only the sections named (any combination).
 *
 * Routes: the floors (a node:http hello, and a bare Nest hello on the Express and on the
 * Fastify adapter), then each route of lib/app-target.js on the built app with embedded
 * PGlite, and again on a fresh database on the PostgreSQL server at DATABASE_URL when it is
 * set. Every server is a process of its own; the targets are interleaved over BENCH_ROUNDS
 * rounds and the medians are reported: req/s, p50/p99, the ratio to node:http, and the
 * server's CPU µs per request read from /proc (the app's process, and every `postgres` process
 * for the server database), which neighbours' noise changes far less than req/s.
 *
 * Layers: the cost of each layer (lib/layer-costs.js), hosts on the adapter HTTP_ADAPTER names.
 *
 * Mixed: BENCH_MIXED_CONNECTIONS clients reading and writing at once on each database's app
 * for BENCH_MIXED_DURATION seconds (lib/mixed-load.js); acknowledged writes are checked
 * against the rows and audit records stored.
 *
 * Environment: BENCH_DURATION (s per target per round, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s,
 * 2), BENCH_CONNECTIONS (10), BENCH_ONLY (a regular expression on target names of the routes
 * and layers sections), BENCH_JSON (dist/bench/results.json), BENCH_LOG_LEVEL (the app's
 * LOG_LEVEL, warn), BENCH_COMPARE_CACHE=1 (also run each database's app with the principal
 * cache off, its routes named "... no cache", to compare within one run),
 * BENCH_COMPARE_METRICS=1 (the same with the metrics off, "... no metrics": the app targets
 * otherwise run with them on, as in production), BENCH_MIXED_DURATION (s, 20),
 * BENCH_MIXED_CONNECTIONS (100), BENCH_MIXED_MIX (see lib/mixed-load.js, DEFAULT_MIX),
 * BENCH_MIXED_TIMEOUT (s a client waits for one answer, 10), BENCH_GENERATOR=autocannon
 * (autocannon even where wrk is installed), HTTP_ADAPTER (the app's and the
 * layer hosts' adapter, fastify), DATABASE_URL (a server where this run may create and drop a
 * database). Exits non-zero when any target answered anything but 2xx, had connection errors,
 * or lost an acknowledged write. Benchmarks measure; no test asserts a time.
 */
const os = require('node:os');
const path = require('node:path');
const { startAppTarget } = require('./lib/app-target');
const { adapterLabel, startLayerTargets, withAddedCost } = require('./lib/layer-costs');
const { DEFAULT_MIX, mixedFailures, mixedTable, runMixed } = require('./lib/mixed-load');
const { generatorName, runLoad } = require('./lib/load');
const { cpuSeconds, postgresCpuSeconds, startServer, stopServer } = require('./lib/processes');
const { closeAll, track } = require('./lib/cleanup');
const { summarise, table, writeJson } = require('./lib/report');

const ROOT = path.resolve(__dirname, '..', '..');
const settings = {
  durationSec: positiveInt('BENCH_DURATION', 10),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  warmupSec: positiveInt('BENCH_WARMUP', 2),
  connections: positiveInt('BENCH_CONNECTIONS', 10),
  only: process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null,
  json: process.env.BENCH_JSON || path.join(ROOT, 'dist', 'bench', 'results.json'),
  mixed: {
    durationSec: positiveInt('BENCH_MIXED_DURATION', 20),
    connections: positiveInt('BENCH_MIXED_CONNECTIONS', 100),
    timeoutSec: positiveInt('BENCH_MIXED_TIMEOUT', 10),
    mix: process.env.BENCH_MIXED_MIX || DEFAULT_MIX,
  },
};
const FLOOR = 'node:http hello';
const SECTIONS = ['routes', 'layers', 'mixed'];
let chosenSections = SECTIONS;

/** The sections the flags name, or all of them. */
function parseSections(flags) {
  for (const flag of flags) {
    if (!SECTIONS.includes(flag.replace(/^--/, ''))) {
      throw new Error(`unknown flag ${flag}: use --routes, --layers or --mixed (or none for all)`);
    }
  }
  const named = SECTIONS.filter((s) => flags.includes(`--${s}`));
  return named.length > 0 ? named : SECTIONS;
}
const DATABASES = ['pglite', ...(process.env.DATABASE_URL ? ['postgresql'] : [])];

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

/** Warm-up, then BENCH_ROUNDS interleaved rounds over `targets`; resolves with their rows. */
async function runRounds(targets, nextTimeBase) {
  const chosen = targets.filter((t) => !settings.only || settings.only.test(t.name));
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
  return summarise(chosen, FLOOR);
}

/** Starts the targets `start(keep)` returns, keeping each server to stop, runs their rounds. */
async function section(start, nextTimeBase) {
  const closers = [];
  const keep = (close) => closers.push(track(close));
  try {
    return await runRounds(await start(keep), nextTimeBase);
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

async function startRouteTargets(keep) {
  const floors = await startFloors();
  for (const floor of floors) keep(() => stopServer(floor.server));
  const targets = [...floors];
  for (const database of DATABASES) {
    const app = await startAppTarget(database);
    keep(app.close);
    targets.push(...appTargets(app, database));
    if (process.env.BENCH_COMPARE_CACHE === '1') {
      const uncached = await startAppTarget(database, { AUTH_CACHE_MAX_ENTRIES: '0' });
      keep(uncached.close);
      targets.push(...appTargets(uncached, database, ', no cache'));
    }
    if (process.env.BENCH_COMPARE_METRICS === '1') {
      const unmeasured = await startAppTarget(database, { METRICS_PORT: 'off' });
      keep(unmeasured.close);
      targets.push(...appTargets(unmeasured, database, ', no metrics'));
    }
  }
  return targets;
}

async function startLayerSection(keep) {
  const [floor] = await startFloors([FLOOR]);
  keep(() => stopServer(floor.server));
  const hosts = await startLayerTargets();
  keep(hosts.close);
  return [floor, ...hosts.targets];
}

/** Roughly how long the chosen sections take, start-ups aside, to print before they start. */
function estimateSeconds() {
  const perTarget = settings.warmupSec + settings.rounds * settings.durationSec;
  const appRoutes =
    5 *
    (1 +
      Number(process.env.BENCH_COMPARE_CACHE === '1') +
      Number(process.env.BENCH_COMPARE_METRICS === '1'));
  let seconds = 0;
  if (chosenSections.includes('routes')) seconds += (3 + appRoutes * DATABASES.length) * perTarget;
  if (chosenSections.includes('layers')) seconds += 7 * perTarget;
  if (chosenSections.includes('mixed')) {
    seconds += DATABASES.length * (settings.warmupSec + settings.mixed.durationSec);
  }
  return seconds;
}

async function main() {
  chosenSections = parseSections(process.argv.slice(2));
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(signal, () => void closeAll().finally(() => process.exit(code)));
  }
  console.log(
    `${generatorName()}, sections ${chosenSections.join(', ')}, adapter ${adapterLabel()}, ` +
      `${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}; ` +
      `about ${Math.ceil(estimateSeconds() / 60)} min of load, plus start-ups\n`,
  );
  // Writes in each run get instants of their own: a repeated observation would be a 409.
  let timeBase = Date.UTC(2001, 0, 1);
  const nextTimeBase = () => (timeBase += 100_000_000);
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cores: os.cpus().length,
    generator: generatorName(),
    adapter: adapterLabel().toLowerCase(),
    sections: chosenSections,
    settings: { ...settings, only: process.env.BENCH_ONLY || null },
  };
  const failed = [];
  const printed = [];
  const perRound =
    `${settings.connections} connections, ${settings.rounds} rounds of ${settings.durationSec}s ` +
    `per target (after ${settings.warmupSec}s warm-up)`;
  if (chosenSections.includes('routes')) {
    console.log(`Routes: ${perRound}`);
    const rows = await section(startRouteTargets, nextTimeBase);
    report.routes = rows;
    failed.push(...rows.filter((r) => r.non2xx > 0 || r.errors > 0 || !r.rps).map((r) => r.name));
    printed.push(
      `Floors and routes\n\n${table(rows)}\n\n` +
        'ratio = req/s / node:http hello; µs/req = server CPU (user + system) per request',
    );
    console.log(`\n${printed[printed.length - 1]}\n`);
  }
  if (chosenSections.includes('layers')) {
    console.log(`Layers (${adapterLabel()}): ${perRound}`);
    const summary = await section(startLayerSection, nextTimeBase);
    const rows = [summary[0], ...withAddedCost(summary.slice(1))];
    report.layers = rows;
    failed.push(...rows.filter((r) => r.non2xx > 0 || r.errors > 0 || !r.rps).map((r) => r.name));
    printed.push(
      `Layer costs (${adapterLabel()})\n\n${table(rows)}\n\n` +
        "ratio = req/s / node:http hello; added = this step's µs/req minus the previous step's",
    );
    console.log(`\n${printed[printed.length - 1]}\n`);
  }
  if (chosenSections.includes('mixed')) {
    const m = settings.mixed;
    console.log(
      `Mixed load: ${m.connections} clients for ${m.durationSec}s per database ` +
        `(after ${settings.warmupSec}s of reads), mix ${m.mix}`,
    );
    const rows = [];
    for (const database of DATABASES) {
      rows.push(await runMixed(database, { ...m, warmupSec: settings.warmupSec }, nextTimeBase()));
      console.log(`  ${database}: ${rows[rows.length - 1].rps.toFixed(0)} req/s`);
    }
    report.mixed = rows;
    failed.push(...mixedFailures(rows));
    printed.push(
      `Mixed load (${adapterLabel()})\n\n${mixedTable(rows)}\n\n` +
        'p50/p99/max over reads and writes together; socket err = no answer (refused, reset, ' +
        'timed out); lost = acknowledged (201) without its row or its audit record',
    );
    console.log(`\n${printed[printed.length - 1]}\n`);
  }
  // A run of several sections ends with all of them together, for one copy and paste.
  if (printed.length > 1) console.log(`All sections\n\n${printed.join('\n\n')}\n`);
  writeJson(settings.json, report);
  console.log(`written to ${path.relative(process.cwd(), settings.json)}`);
  if (failed.length > 0) {
    console.error(`FAILED: non-2xx answers, errors or lost writes on: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

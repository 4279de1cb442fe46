'use strict';
/**
 * `npm run bench -- --mixed`: many concurrent clients on one app, reads and writes at once, for
 * a bounded time, on loopback. Reads go through wrk (a Lua script picks each request from the
 * mix, in a fixed weighted order, and counts statuses), or autocannon without wrk; writes
 * through a small Node client (lib/write-clients.js), which needs each answer to know what
 * the app acknowledged. The write share of the mix is its share of the clients: every client
 * is closed-loop (one request at a time), so the achieved share of requests is printed beside.
 *
 * Afterwards the app is stopped (a graceful shutdown, which flushes PGlite to disk) and the
 * database is read: every 201 must have its observation row and its audit record
 * (lib/stored-writes.js). Nothing here asserts a time; a lost write fails the run.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startAppTarget } = require('./app-target');
const { generatorName } = require('./load');
const { cpuSeconds, postgresCpuSeconds, stopServer } = require('./processes');
const { runWrites } = require('./write-clients');
const { countStored } = require('./stored-writes');
const { track } = require('./cleanup');
const { runWrkScript } = require('./wrk');

/** What a mixed client may do: the reads each app target offers, and the audited write. */
const KINDS = {
  'station-jwt': (app) => ({ path: app.station, headers: app.credentials.jwt }),
  'station-key': (app) => ({ path: app.station, headers: app.credentials.key }),
  page: (app) => ({
    path: `${app.station}/observations?${app.range}&limit=100`,
    headers: app.credentials.jwt,
  }),
  latest: (app) => ({ path: `${app.station}/observations/latest`, headers: app.credentials.key }),
  write: (app) => ({ path: `${app.station}/observations`, headers: app.credentials.key }),
};
const DEFAULT_MIX = 'station-jwt=25,station-key=25,page=15,latest=15,write=20';

/** `name=weight,...` (BENCH_MIXED_MIX) as [{ kind, weight }], refusing anything unknown. */
function parseMix(raw = DEFAULT_MIX) {
  const mix = raw.split(',').map((part) => {
    const match = /^\s*([a-z-]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!match || !KINDS[match[1]]) {
      throw new Error(
        `BENCH_MIXED_MIX: "${part}" is not name=weight with a name of ${Object.keys(KINDS).join(', ')}`,
      );
    }
    return { kind: match[1], weight: Number(match[2]) };
  });
  const kinds = mix.map((m) => m.kind);
  if (new Set(kinds).size !== kinds.length) throw new Error('BENCH_MIXED_MIX names a kind twice');
  if (!mix.some((m) => m.weight > 0)) throw new Error('BENCH_MIXED_MIX has no weight above 0');
  return mix.filter((m) => m.weight > 0);
}

/** How many of `connections` clients write, and how many read (each at least one if weighted). */
function splitClients(mix, connections) {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  const write = mix.find((m) => m.kind === 'write')?.weight ?? 0;
  const reads = total - write;
  let writers = Math.round((connections * write) / total);
  if (write > 0) writers = Math.max(1, writers);
  if (reads > 0) writers = Math.min(writers, connections - 1);
  return { writers, readers: connections - writers };
}

function describeMix(mix, clients) {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  const parts = mix.map((m) => `${m.kind} ${((100 * m.weight) / total).toFixed(0)}%`);
  return `${parts.join(', ')} (${clients.readers} reading clients, ${clients.writers} writing)`;
}

/** The reads in a fixed order that spreads each kind evenly (smooth weighted round robin). */
function readCycle(reads) {
  const total = reads.reduce((sum, r) => sum + r.weight, 0);
  const current = reads.map(() => 0);
  const order = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    reads.forEach((r, i) => {
      current[i] += r.weight;
      if (current[i] > current[best]) best = i;
    });
    current[best] -= total;
    order.push(best + 1); // Lua arrays start at 1
  }
  return order;
}

function luaString(value) {
  return JSON.stringify(String(value)); // paths and headers here are ASCII: valid Lua literals
}

/**
 * A wrk script that sends `reads` in their weighted order and prints, in done(): the totals,
 * the latency quantiles (every 0.1%, µs, to merge with the writes') and the statuses.
 */
function wrkScript(reads) {
  const table = reads
    .map((r) => {
      const headers = Object.entries(r.headers)
        .map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`)
        .join(', ');
      return `  { path = ${luaString(r.path)}, headers = { ${headers} } },`;
    })
    .join('\n');
  return `local routes = {
${table}
}
local order = { ${readCycle(reads).join(', ')} }
local prepared = {}
local n = 0
statuses = {}

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  for i, r in ipairs(routes) do prepared[i] = wrk.format("GET", r.path, r.headers) end
end

function request()
  n = n + 1
  return prepared[order[(n - 1) % #order + 1]]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH_RESULT %d %d %d %d %d %d %d\\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.timeout, latency.max))
  local q = {}
  for i = 1, 999 do q[i] = string.format("%d", latency:percentile(i / 10)) end
  io.write("BENCH_QUANTILES " .. table.concat(q, " ") .. "\\n")
  local s = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do s[status] = (s[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(s) do table.insert(parts, status .. "=" .. count) end
  io.write("BENCH_STATUSES " .. table.concat(parts, " ") .. "\\n")
end
`;
}

async function runWrkReads(base, reads, { connections, durationSec, timeoutSec }) {
  const args = ['-t1', `-c${connections}`, `-d${durationSec}s`, '--timeout', `${timeoutSec}s`];
  const out = await runWrkScript(wrkScript(reads), args, `${base}${reads[0].path}`);
  const result = /BENCH_RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
  const quantiles = /BENCH_QUANTILES ([\d ]+)/.exec(out);
  const statuses = /BENCH_STATUSES ?([\d= ]*)/.exec(out);
  if (!result || !quantiles || !statuses)
    throw new Error(`wrk printed no result: ${out.slice(-500)}`);
  const [requests, durationUs, connect, read, write, timeout, maxUs] = result.slice(1).map(Number);
  const byStatus = {};
  for (const pair of statuses[1].trim().split(/\s+/).filter(Boolean)) {
    const [status, count] = pair.split('=').map(Number);
    byStatus[status] = count;
  }
  return {
    requests,
    seconds: durationUs / 1e6,
    // Quantiles 0.1% .. 99.9%, then the maximum: a CDF to merge with the writes' samples.
    quantilesMs: [...quantiles[1].trim().split(' ').map(Number), maxUs].map((us) => us / 1000),
    byStatus,
    socketErrors: { connect, read, write, timeout },
  };
}

/** The same with autocannon when wrk is missing: its histogram gives fewer quantiles. */
function runAutocannonReads(base, reads, { connections, durationSec, timeoutSec }) {
  const autocannon = require('autocannon');
  const order = readCycle(reads);
  let n = 0;
  return new Promise((resolve, reject) => {
    const byStatus = {};
    const instance = autocannon(
      {
        url: base,
        connections,
        duration: durationSec,
        timeout: timeoutSec,
        requests: [
          {
            setupRequest: (request) => {
              const read = reads[order[n++ % order.length] - 1];
              return { ...request, method: 'GET', path: read.path, headers: read.headers };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const l = result.latency;
        // Coarse: a step function through the percentiles autocannon reports.
        const points = [
          [10, l.p10],
          [25, l.p25],
          [50, l.p50],
          [75, l.p75],
          [90, l.p90],
          [97.5, l.p97_5],
          [99, l.p99],
          [99.9, l.p99_9],
        ];
        const quantilesMs = [];
        for (let i = 1; i <= 999; i++) {
          quantilesMs.push((points.find(([p]) => p >= i / 10) ?? [0, l.max])[1]);
        }
        quantilesMs.push(l.max);
        resolve({
          requests: result.requests.total,
          seconds: result.duration,
          quantilesMs,
          byStatus,
          socketErrors: { connect: 0, read: result.errors, write: 0, timeout: result.timeouts },
        });
      },
    );
    instance.on('response', (_client, status) => {
      byStatus[status] = (byStatus[status] || 0) + 1;
    });
  });
}

/**
 * Percentile `p` (0..1) of reads and writes together: reads as wrk's quantiles (each 0.1% of
 * them), writes as their exact samples, both in ms.
 */
function mergedPercentile(readQuantilesMs, readCount, writeSamplesMs, p) {
  const writes = [...writeSamplesMs].sort((a, b) => a - b);
  const total = readCount + writes.length;
  if (total === 0) return undefined;
  const readsAtOrBelow = (x) => {
    if (readCount === 0) return 0;
    let i = 0;
    while (i < readQuantilesMs.length && readQuantilesMs[i] <= x) i++;
    return (readCount * i) / readQuantilesMs.length;
  };
  const writesAtOrBelow = (x) => {
    let lo = 0;
    let hi = writes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writes[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const candidates = [...(readCount ? readQuantilesMs : []), ...writes].sort((a, b) => a - b);
  for (const x of candidates) {
    if (readsAtOrBelow(x) + writesAtOrBelow(x) >= p * total) return x;
  }
  return candidates[candidates.length - 1];
}

function sumValues(object) {
  return Object.values(object).reduce((sum, v) => sum + v, 0);
}

function non2xxOf(byStatus) {
  return Object.fromEntries(
    Object.entries(byStatus).filter(([s]) => Number(s) < 200 || Number(s) > 299),
  );
}

/**
 * Runs the mixed load on one database's app and checks what it stored. Resolves with the row
 * for the table and the JSON (see README.md, "Benchmark").
 */
async function runMixed(database, settings, timeBase) {
  const { connections, durationSec, warmupSec, timeoutSec } = settings;
  const mix = parseMix(settings.mix);
  const clients = splitClients(mix, connections);
  // The data directory inside a directory of its own: in development the app keeps its
  // generated encryption keys beside it (<dir>.*.key), and they go with it afterwards.
  const dataRoot =
    database === 'pglite' ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mixed-pglite-')) : null;
  const dataDir = dataRoot && path.join(dataRoot, 'pglite');
  const removeDataDir = () => dataRoot && fs.rmSync(dataRoot, { recursive: true, force: true });
  const app = await startAppTarget(database, dataDir ? { PGLITE_DATA_DIR: dataDir } : {}).catch(
    (error) => {
      removeDataDir();
      throw error;
    },
  );
  const close = track(async () => {
    await app.close();
    removeDataDir();
  });
  try {
    const base = app.server.base;
    // Loopback only: this puts a hundred clients on a server, and must never leave the machine.
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) throw new Error(`not loopback: ${base}`);
    const reads = mix
      .filter((m) => m.kind !== 'write')
      .map((m) => ({ ...KINDS[m.kind](app), weight: m.weight }));
    const write = KINDS.write(app);
    const runReads = generatorName() === 'wrk' ? runWrkReads : runAutocannonReads;
    if (reads.length > 0 && warmupSec > 0) {
      await runReads(base, reads, {
        connections: clients.readers,
        durationSec: warmupSec,
        timeoutSec,
      });
    }
    const appBefore = cpuSeconds(app.server.pid);
    const dbBefore = database === 'postgresql' ? postgresCpuSeconds() : undefined;
    const [readResult, writeResult] = await Promise.all([
      reads.length > 0
        ? runReads(base, reads, { connections: clients.readers, durationSec, timeoutSec })
        : null,
      clients.writers > 0
        ? runWrites(base, write, {
            connections: clients.writers,
            durationSec,
            timeoutSec,
            timeBase,
          })
        : null,
    ]);
    await app.settle();
    const appCpu = cpuSeconds(app.server.pid) - appBefore;
    const dbCpu = dbBefore === undefined ? undefined : postgresCpuSeconds() - dbBefore;
    // Graceful stop first: what the app acknowledged must survive it (PGlite flushes here).
    await stopServer(app.server);
    const acknowledged = writeResult ? writeResult.acknowledged : [];
    const stored = await countStored({
      database,
      url: app.databaseUrl,
      dataDir,
      stationPath: app.station,
      fromMs: timeBase,
      untilMs: writeResult ? writeResult.untilMs : timeBase,
      acknowledged,
    });
    return summariseMixed({
      database,
      mix: describeMix(mix, clients),
      clients,
      durationSec,
      readResult,
      writeResult,
      stored,
      appCpu,
      dbCpu,
    });
  } finally {
    await close();
  }
}

function summariseMixed({ database, mix, clients, durationSec, readResult, writeResult, ...rest }) {
  const reads = readResult ?? { requests: 0, quantilesMs: [], byStatus: {}, socketErrors: {} };
  const writes = writeResult ?? {
    latenciesMs: [],
    byStatus: {},
    socketErrors: 0,
    acknowledged: [],
  };
  const readAnswers = sumValues(reads.byStatus);
  const writeAnswers = sumValues(writes.byStatus);
  const requests = readAnswers + writeAnswers;
  const seconds = Math.max(reads.seconds ?? 0, writes.seconds ?? 0, durationSec);
  const pct = (p) => mergedPercentile(reads.quantilesMs, readAnswers, writes.latenciesMs, p);
  const readPct = (p) => mergedPercentile(reads.quantilesMs, readAnswers, [], p);
  const writePct = (p) => mergedPercentile([], 0, writes.latenciesMs, p);
  const byStatus = { ...reads.byStatus };
  for (const [s, c] of Object.entries(writes.byStatus)) byStatus[s] = (byStatus[s] || 0) + c;
  const readSocketErrors = sumValues(reads.socketErrors);
  return {
    name: 'mixed load',
    database,
    mix,
    clients,
    seconds,
    requests,
    rps: requests / seconds,
    writeShare: requests ? writeAnswers / requests : 0,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: pct(1),
    reads: {
      requests: readAnswers,
      p50Ms: readPct(0.5),
      p99Ms: readPct(0.99),
      maxMs: readPct(1),
      socketErrors: reads.socketErrors,
    },
    writes: {
      requests: writeAnswers,
      p50Ms: writePct(0.5),
      p99Ms: writePct(0.99),
      maxMs: writePct(1),
      socketErrors: writes.socketErrors,
    },
    byStatus,
    non2xx: sumValues(non2xxOf(byStatus)),
    non2xxByStatus: non2xxOf(byStatus),
    socketErrors: readSocketErrors + writes.socketErrors,
    acknowledged: writes.acknowledged.length,
    stored: rest.stored,
    appCpuUsPerRequest:
      requests && rest.appCpu !== undefined ? (rest.appCpu * 1e6) / requests : undefined,
    dbCpuUsPerRequest:
      requests && rest.dbCpu !== undefined ? (rest.dbCpu * 1e6) / requests : undefined,
  };
}

function fixed(value, digits) {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** The mixed-load table: one row per database, then its reads and writes apart. */
function mixedTable(rows) {
  const header = [
    'target',
    'db',
    'req/s',
    'writes',
    'p50 ms',
    'p99 ms',
    'max ms',
    'app µs/req',
    'db µs/req',
    'non-2xx',
    'socket err',
    'acked',
    'rows lost',
    'audit lost',
  ];
  const body = [];
  for (const r of rows) {
    body.push([
      r.name,
      r.database,
      fixed(r.rps, 0),
      `${fixed(100 * r.writeShare, 0)}%`,
      fixed(r.p50Ms, 1),
      fixed(r.p99Ms, 1),
      fixed(r.maxMs, 1),
      fixed(r.appCpuUsPerRequest, 0),
      fixed(r.dbCpuUsPerRequest, 0),
      String(r.non2xx),
      String(r.socketErrors),
      String(r.acknowledged),
      String(r.stored.missingRows),
      String(r.stored.missingAudit),
    ]);
    for (const [label, part] of [
      ['  reads', r.reads],
      ['  writes', r.writes],
    ]) {
      const errors =
        typeof part.socketErrors === 'number' ? part.socketErrors : sumValues(part.socketErrors);
      body.push([
        label,
        '',
        fixed(part.requests / r.seconds, 0),
        '',
        fixed(part.p50Ms, 1),
        fixed(part.p99Ms, 1),
        fixed(part.maxMs, 1),
        '',
        '',
        '',
        String(errors),
        '',
        '',
        '',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const notes = rows.map((r) => {
    const statuses = Object.entries(r.non2xxByStatus)
      .map(([s, c]) => `${s}: ${c}`)
      .join(', ');
    return (
      `  [${r.database}] mix ${r.mix}; non-2xx by status: ${statuses || 'none'}; ` +
      `${r.acknowledged} writes acknowledged, ${r.stored.storedRows} stored ` +
      `(${r.stored.unacknowledgedRows} of them unanswered), ` +
      `${r.stored.auditRecords} acknowledged with their audit record`
    );
  });
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    ...notes,
  ].join('\n');
}

/** A failed mixed run: any non-2xx, socket error, or acknowledged write without row or record. */
function mixedFailures(rows) {
  return rows
    .filter(
      (r) =>
        r.non2xx > 0 ||
        r.socketErrors > 0 ||
        r.stored.missingRows > 0 ||
        r.stored.missingAudit > 0 ||
        !r.requests,
    )
    .map((r) => `mixed load [${r.database}]`);
}

module.exports = {
  DEFAULT_MIX,
  mergedPercentile,
  mixedFailures,
  mixedTable,
  parseMix,
  readCycle,
  runMixed,
  splitClients,
};

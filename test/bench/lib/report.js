'use strict';
/** Medians over rounds, the table, and the JSON file. */
const fs = require('node:fs');
const path = require('node:path');

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One row per target: medians of its rounds, its ratio to the first floor, its failures. */
function summarise(targets, floorName) {
  const rows = targets.map((t) => ({
    name: t.name,
    database: t.database,
    rounds: t.rounds.length,
    rps: median(t.rounds.map((r) => r.requests / r.seconds)),
    p50Ms: median(t.rounds.map((r) => r.p50Ms)),
    p99Ms: median(t.rounds.map((r) => r.p99Ms)),
    appCpuUsPerRequest: median(t.rounds.map((r) => r.appCpuUsPerRequest)),
    dbCpuUsPerRequest: median(t.rounds.map((r) => r.dbCpuUsPerRequest)),
    non2xx: t.rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: t.rounds.reduce((sum, r) => sum + r.errors, 0),
  }));
  const floor = rows.find((r) => r.name === floorName);
  for (const row of rows) row.ratio = floor && floor.rps ? row.rps / floor.rps : undefined;
  return rows;
}

function fixed(value, digits) {
  return value === undefined ? '-' : value.toFixed(digits);
}

function table(rows) {
  const added = rows.some((r) => 'addedCpuUsPerRequest' in r);
  const header = ['target', 'db', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'app µs/req', 'db µs/req'];
  if (added) header.push('added µs');
  header.push('failed');
  const body = rows.map((r) => [
    r.name,
    r.database || '-',
    fixed(r.rps, 0),
    fixed(r.p50Ms, 2),
    fixed(r.p99Ms, 2),
    fixed(r.ratio, 3),
    fixed(r.appCpuUsPerRequest, 0),
    fixed(r.dbCpuUsPerRequest, 0),
    ...(added ? [fixed(r.addedCpuUsPerRequest, 0)] : []),
    String(r.non2xx + r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function writeJson(file, report) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

module.exports = { median, summarise, table, writeJson };

'use strict';
/**
 * One load run against one route: wrk when it is installed (a C load generator: far less CPU
 * than autocannon, which matters on a 2-core machine where it competes with the server),
 * autocannon otherwise. Both report the same shape.
 *
 * A route's body is either fixed (`body`) or a template (`bodyTemplate`, with `%TIME%` replaced by
 * `timeBase` + n seconds for the n-th request), for writes that must not repeat a key.
 */
const { spawnSync } = require('node:child_process');
const { runWrkScript } = require('./wrk');

// BENCH_GENERATOR=autocannon forces the fallback, to try it on a machine that has wrk.
const WRK =
  process.env.BENCH_GENERATOR === 'autocannon' ||
  spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error
    ? null
    : 'wrk';

function generatorName() {
  return WRK ? 'wrk' : 'autocannon';
}

function luaString(value) {
  return JSON.stringify(String(value)); // headers and bodies here are ASCII: valid Lua literals
}

function wrkScript(route, timeBase) {
  const lines = [`wrk.method = ${luaString(route.method || 'GET')}`];
  const headers = { ...(route.headers || {}) };
  if (route.body !== undefined || route.bodyTemplate) headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(headers)) {
    lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  }
  if (route.body !== undefined) lines.push(`wrk.body = ${luaString(JSON.stringify(route.body))}`);
  if (route.bodyTemplate) {
    const [before, after] = route.bodyTemplate.split('%TIME%');
    lines.push(
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  local t = os.date("!%Y-%m-%dT%H:%M:%SZ", ${Math.floor(timeBase / 1000)} + n)`,
      `  return wrk.format(nil, nil, nil, ${luaString(before)} .. t .. ${luaString(after)})`,
      'end',
    );
  }
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("BENCH_RESULT %d %d %d %d %d %d\\n", summary.requests,',
    '    summary.duration, latency:percentile(50), latency:percentile(99), e.status,',
    '    e.connect + e.read + e.write + e.timeout))',
    'end',
  );
  return lines.join('\n');
}

async function runWrk(base, route, { connections, durationSec, timeBase }) {
  const args = ['-t1', `-c${connections}`, `-d${durationSec}s`];
  const out = await runWrkScript(wrkScript(route, timeBase), args, `${base}${route.path}`);
  const match = /BENCH_RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
  if (!match) throw new Error(`wrk printed no result: ${out.slice(-500)}`);
  const [requests, durationUs, p50Us, p99Us, non2xx, errors] = match.slice(1).map(Number);
  return {
    requests,
    seconds: durationUs / 1e6,
    p50Ms: p50Us / 1000,
    p99Ms: p99Us / 1000,
    non2xx, // wrk counts statuses > 399
    errors,
  };
}

function runAutocannon(base, route, { connections, durationSec, timeBase }) {
  const autocannon = require('autocannon');
  const headers = { ...(route.headers || {}) };
  const options = {
    url: `${base}${route.path}`,
    method: route.method || 'GET',
    connections,
    duration: durationSec,
    headers,
  };
  if (route.body !== undefined || route.bodyTemplate) headers['content-type'] = 'application/json';
  if (route.body !== undefined) options.body = JSON.stringify(route.body);
  if (route.bodyTemplate) {
    let n = 0;
    options.requests = [
      {
        setupRequest: (request) => {
          n += 1;
          const time = new Date(Math.floor(timeBase / 1000) * 1000 + n * 1000).toISOString();
          return {
            ...request,
            body: route.bodyTemplate.replace('%TIME%', time.replace('.000', '')),
          };
        },
      },
    ];
  }
  return new Promise((resolve, reject) => {
    let non2xx = 0;
    const instance = autocannon(options, (error, result) => {
      if (error) reject(error);
      else
        resolve({
          requests: result.requests.total,
          seconds: result.duration,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          non2xx,
          errors: result.errors + result.timeouts,
        });
    });
    instance.on('response', (_client, statusCode) => {
      if (statusCode < 200 || statusCode > 299) non2xx += 1;
    });
  });
}

function runLoad(base, route, options) {
  return WRK ? runWrk(base, route, options) : runAutocannon(base, route, options);
}

module.exports = { generatorName, runLoad };

'use strict';
/**
 * Servers under test as child processes of their own, so that each one's CPU time can be read
 * from /proc and neighbours' noise (the load generator, the other servers) is not counted.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const { freePort } = require('../../support/free-port');

const START_TIMEOUT_MS = 90_000;

/** Clock ticks per second of /proc's utime/stime (100 on Linux almost everywhere). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of one process (all its threads), or undefined off Linux. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every `postgres` process on the machine: the server's share of a request. */
function postgresCpuSeconds() {
  let total = 0;
  let seen = false;
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm;
    try {
      comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (comm !== 'postgres') continue;
    const seconds = cpuSeconds(entry);
    if (seconds !== undefined) {
      total += seconds;
      seen = true;
    }
  }
  return seen ? total : undefined;
}

function safeReaddir(dir) {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Starts `node <args>` and resolves once `readyPath` answers 200 (or `isReady(base)` is true).
 * The child's output goes to
 * ours, so a server that fails to start says why.
 */
async function startServer({ name, args, env, cwd, readyPath, isReady }) {
  const port = await freePort();
  // An undefined value unsets the variable for the child.
  const childEnv = Object.fromEntries(
    Object.entries({ ...process.env, ...env, PORT: String(port) }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const child = spawn(process.execPath, args, {
    cwd,
    env: childEnv,
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
      throw new Error(`${name} exited during start (code ${exited.code}, signal ${exited.signal})`);
    }
    try {
      if (isReady ? await isReady(base) : await answers200(`${base}${readyPath}`)) {
        return { name, base, child, pid: child.pid };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} not ready at ${base} within ${START_TIMEOUT_MS / 1000}s`);
}

async function answers200(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the child is gone. */
function stopServer(server, graceMs = 15_000) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

module.exports = { cpuSeconds, freePort, postgresCpuSeconds, startServer, stopServer };

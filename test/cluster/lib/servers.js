'use strict';
/**
 * The real servers of the cluster test, each started here on loopback and stopped at the end:
 * a private Redis, a fresh database on the PostgreSQL server, a test certificate, nginx.
 */
const { execFileSync, spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { chmodSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');
const { freePort } = require('../../support/free-port');

const ROOT = join(__dirname, '..', '..', '..');

async function waitFor(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopChild(child, signal = 'SIGTERM', timeoutMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const password = randomBytes(18).toString('hex');
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--requirepass',
      password,
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://:${password}@127.0.0.1:${port}/0`;
  await waitFor('redis', () => {
    const out = execFileSync('redis-cli', ['-p', String(port), 'ping'], {
      env: { ...process.env, REDISCLI_AUTH: password },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.toString().trim() === 'PONG';
  });
  return { url, stop: () => stopChild(child) };
}

async function createDatabase(serverUrl) {
  const name = `weather_cluster_${randomBytes(5).toString('hex')}`;
  const admin = async (sql) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    query: (sql, params) => client.query(sql, params).then((r) => r.rows),
    drop: async () => {
      await client.end();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function makeCertificate(dir) {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert, ca: readFileSync(cert) };
}

/** Renders deploy/nginx/weather-api.conf.template the way the nginx image's envsubst does. */
function renderTemplate(values) {
  const template = readFileSync(join(ROOT, 'deploy/nginx/weather-api.conf.template'), 'utf8');
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`template needs ${name}`);
    return values[name];
  });
}

/**
 * nginx on the shipped template. The per-IP rate is high by default (load from one address must
 * not trip it); the flood-guard check passes a low one.
 */
async function startNginx(
  dir,
  { upstreams, certificate, bindAddress, failTimeoutMs, ratePerSecond = 5000, burst = 5000 },
) {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const sub of ['body', 'proxy']) {
    mkdirSync(join(dir, sub), { recursive: true });
    chmodSync(join(dir, sub), 0o777); // nginx workers run as nobody when the master is root
  }
  const port = await freePort();
  writeFileSync(
    join(dir, 'weather-api.conf'),
    renderTemplate({
      UPSTREAM_SERVERS: upstreams
        .map((u) => `server ${u} max_fails=1 fail_timeout=${failTimeoutMs / 1000}s;`)
        .join(' '),
      PROXY_LISTEN: `127.0.0.1:${port}`,
      PROXY_CERT: certificate.cert,
      PROXY_CERT_KEY: certificate.key,
      PROXY_BIND_ADDRESS: bindAddress,
      PROXY_RATE_PER_SECOND: String(ratePerSecond),
      PROXY_BURST: String(burst),
    }),
  );
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  include ${join(dir, 'weather-api.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const base = `https://127.0.0.1:${port}`;
  await waitFor('nginx', async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const net = require('node:net');
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  });
  return {
    base,
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    stop: () => stopChild(child, 'SIGQUIT'),
  };
}

module.exports = { startRedis, createDatabase, makeCertificate, startNginx, waitFor, stopChild };

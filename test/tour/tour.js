'use strict';
/**
 * A guided tour of the API's security layers, with real HTTP calls: `npm run tour` (builds
 * first), or `node test/tour/tour.js` after `npm run build`.
 *
 * By default it starts `node dist/src/main.js` as a child process on a free loopback port, on a
 * fresh in-memory embedded database seeded with the demo stations, with a first admin whose
 * email and password the tour generates, and a small failed-login limit so the lock-out shows
 * quickly. The child is stopped when the tour ends, however it ends.
 *
 * Every step prints the request (secrets shortened), the response status and the headers that
 * matter, and one line on what the layer did; and it checks that the API did exactly that. The
 * tour ends with a summary and exits 1 if any step did not behave as printed (2 if the app could
 * not be started or reached at all).
 *
 * Environment:
 *   TOUR_URL             tour a running server instead (e.g. http://127.0.0.1:3000); it must
 *                        allow registration (not production). The tour creates two operators,
 *                        a station and two API keys there, and locks one of its own accounts.
 *   TOUR_ADMIN_EMAIL,    an admin of that server (required with TOUR_URL)
 *   TOUR_ADMIN_PASSWORD
 *   TOUR_METRICS_URL     that server's metrics listener (e.g. http://127.0.0.1:9464), for the
 *                        monitoring step; without it the step shows the alerts list only
 *   NO_COLOR             plain output even on a terminal
 * Against a running server the server's own limits apply: its failed-login limit (default 5),
 * logins per IP (default 30 per 15 minutes; the tour uses about 22 per run there, 11 of them
 * for the stuffing alert at the default ALERT_STUFFING_ACCOUNTS) and registrations per IP
 * (default 10 an hour; the tour uses 3 per run), so a few runs in a row end in 429s.
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { freePort } = require('../support/free-port');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const START_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 15_000;
const LOGIN_FAILURES_LIMIT = 3; // RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL of the app the tour starts
const STUFFING_ACCOUNTS = 5; // ALERT_STUFFING_ACCOUNTS of the app the tour starts
const STUFFING_ACCOUNTS_DEFAULT = 10; // the app's default, for a server the tour did not start
const ALLOWED_ORIGIN = 'https://weather-app.example'; // CORS_ORIGINS of the app the tour starts
const EVIL_ORIGIN = 'https://evil.example';
const RUN = randomBytes(3).toString('hex'); // keeps emails and codes unique on a shared server
const STARTED_AT = new Date();
/** The development outbox of the app the tour starts (no SMTP): mail is read from its files. */
const OUTBOX = process.env.TOUR_URL
  ? undefined
  : fs.mkdtempSync(path.join(os.tmpdir(), 'tour-outbox-'));

/**
 * The one-time token of the newest mail to `email` in the outbox whose link has `page`
 * (verify-email, reset-password), as a person would copy it from the message. Bounded poll:
 * mail is queued, then written.
 */
async function outboxToken(email, page) {
  const deadline = Date.now() + 10_000;
  const pattern = new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`);
  for (;;) {
    const texts = fs
      .readdirSync(OUTBOX)
      .sort()
      .reverse()
      .map((name) => fs.readFileSync(path.join(OUTBOX, name), 'utf8'))
      .filter((text) => text.includes(`To: ${email}\n`) && pattern.test(text));
    if (texts.length > 0) return pattern.exec(texts[0])[1];
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// --- output --------------------------------------------------------------------------------

const COLOR = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (COLOR ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');
const yellow = paint('33');
const WIDTH = 100;
const out = (line = '') => process.stdout.write(`${line}\n`);

function section(number, title, where) {
  const left = `══ ${number}. ${title} `;
  const right = where ? ` ${where} ══` : '';
  out();
  out(bold(cyan(left + '═'.repeat(Math.max(3, WIDTH - left.length - right.length)) + right)));
}

/** `wxk_1234…`, `Bearer eyJhbGciOi…`, `wxr_abcd…`: enough to recognise, not to use. */
function shorten(secret, keep = 8) {
  if (typeof secret !== 'string') return String(secret);
  if (secret.startsWith('Bearer ')) return `Bearer ${shorten(secret.slice(7), 10)}`;
  return secret.length <= keep ? secret : `${secret.slice(0, keep)}…`;
}

const SECRET_FIELDS = new Set(['password', 'refreshToken', 'accessToken', 'key']);
function maskBody(value) {
  if (Array.isArray(value)) return value.map(maskBody);
  if (value && typeof value === 'object') {
    const copy = {};
    for (const [k, v] of Object.entries(value)) {
      copy[k] =
        SECRET_FIELDS.has(k) && typeof v === 'string'
          ? k === 'password'
            ? '•'.repeat(8)
            : shorten(v)
          : maskBody(v);
    }
    return copy;
  }
  return value;
}

/** Words into lines of at most `width` characters. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

function clip(text, max = WIDTH - 12) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Name/value lines, names padded to one column. */
function printPairs(pairs, indent) {
  if (pairs.length === 0) return;
  const width = Math.max(...pairs.map(([name]) => name.length));
  for (const [name, value] of pairs) out(`${indent}${dim(name.padEnd(width))}  ${value}`);
}

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}

// --- HTTP ----------------------------------------------------------------------------------

let BASE; // set in main()
let METRICS_BASE; // the metrics listener, when known (set in main())
let requestCounter = 0;
const sent = []; // every request of the tour: { requestId, step, method, path, status, actor }

/** The response headers worth showing on every response, when present. */
const ALWAYS_SHOWN = ['x-request-id', 'retry-after', 'www-authenticate'];

/**
 * One HTTP call, printed. Options: headers, json (a body sent as JSON), body (a raw string),
 * show (extra response header names), quiet (print one line only), tag (request-id suffix).
 */
async function request(t, method, pathAndQuery, options = {}) {
  const requestId = `tour-${RUN}-${t.id}-${++requestCounter}`;
  const headers = { 'X-Request-Id': requestId, ...(options.headers || {}) };
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = headers['Content-Type'] || 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body;
  }
  const started = Date.now();
  const res = await fetch(`${BASE}${pathAndQuery}`, {
    method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  const ms = Date.now() - started;
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  const result = { status: res.status, headers: res.headers, data, text, requestId, ms };
  t.statuses.push(res.status);
  sent.push({
    // The server's own id for the request (ours is sent only as the client's, X-Request-Id).
    requestId: res.headers.get('x-request-id'),
    step: t.id,
    method,
    path: pathAndQuery.split('?')[0],
    status: res.status,
  });

  const statusText = `${res.status} ${httpReason(res.status)}`;
  if (options.quiet) {
    out(
      `    ${bold(method)} ${clip(pathAndQuery, 60)}  ${dim(options.quiet)}  → ${colourStatus(statusText)}` +
        dim(`  ${ms} ms`),
    );
    return result;
  }

  out(`    ${bold(method)} ${pathAndQuery}`);
  const shownRequestHeaders = Object.entries(headers)
    .filter(([name]) => name !== 'X-Request-Id')
    .map(([name, value]) => [
      name,
      /^(authorization|x-api-key)$/i.test(name) ? shorten(value) : value,
    ]);
  printPairs(shownRequestHeaders, '        ');
  if (body !== undefined) {
    const shown = options.json !== undefined ? JSON.stringify(maskBody(options.json)) : body;
    out(`        ${dim('body')}  ${clip(shown, WIDTH - 16)}`);
  }
  out(`    ← ${colourStatus(statusText)}${dim(`  ${ms} ms`)}`);
  const names = [...ALWAYS_SHOWN, ...(options.show || [])];
  const seen = new Set();
  const responsePairs = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    if (lower === 'x-ratelimit-*') {
      for (const [h, v] of res.headers)
        if (h.startsWith('x-ratelimit-')) responsePairs.push([canonical(h), v]);
      continue;
    }
    const value = res.headers.get(lower);
    if (value !== null) responsePairs.push([canonical(lower), value]);
    else if ((options.show || []).some((n) => n.toLowerCase() === lower)) {
      responsePairs.push([canonical(lower), yellow('(absent)')]);
    }
  }
  printPairs(responsePairs, '        ');
  const summary =
    problemSummary(data) ?? (options.summary ? options.summary(data, result) : undefined);
  if (summary) out(`        ${dim('body')}  ${clip(summary, WIDTH - 16)}`);
  return result;
}

/** `/v1/stations/6dae…/observations` → `/v1/stations/:id/observations` */
function routeShape(p) {
  return p.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}(?=\/|$)/g, '/:id');
}

/** Header names as the app spells them: `X-RateLimit-Remaining-login-ip`, `X-Request-Id`. */
function canonical(name) {
  const rateLimit = /^x-ratelimit-(limit|remaining|reset)-(.+)$/.exec(name);
  if (rateLimit)
    return `X-RateLimit-${rateLimit[1][0].toUpperCase()}${rateLimit[1].slice(1)}-${rateLimit[2]}`;
  return name
    .split('-')
    .map((part) => (part === 'id' ? 'Id' : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('-');
}

function problemSummary(data) {
  if (!data || typeof data !== 'object' || typeof data.status !== 'number') return undefined;
  const errors = Array.isArray(data.errors)
    ? ' ' + data.errors.map((e) => `[${e.field}: ${(e.messages || []).join('; ')}]`).join(' ')
    : '';
  return `problem+json "${data.title}": ${data.detail || ''}${errors}`;
}

function httpReason(status) {
  return (
    {
      200: 'OK',
      201: 'Created',
      204: 'No Content',
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      409: 'Conflict',
      413: 'Content Too Large',
      415: 'Unsupported Media Type',
      429: 'Too Many Requests',
      500: 'Internal Server Error',
    }[status] || ''
  );
}

function colourStatus(text) {
  const status = Number(text.slice(0, 3));
  if (status < 300) return green(bold(text));
  if (status < 500) return yellow(bold(text));
  return red(bold(text));
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });
const apiKey = (key) => ({ 'X-API-Key': key });

// --- steps ---------------------------------------------------------------------------------

const results = [];

/**
 * One step of the tour. `fn(t)` makes requests through `t.request` and checks what came back
 * with `t.expectStatus` / `t.check`; it returns the line saying what the layer did.
 */
async function step(id, title, expected, fn) {
  const t = {
    id,
    statuses: [],
    failures: [],
    request: (...args) => request(t, ...args),
    check(condition, description) {
      if (!condition) t.failures.push(description);
      return Boolean(condition);
    },
    expectStatus(res, status) {
      return t.check(res.status === status, `expected ${status}, got ${res.status}`);
    },
    need(value, what) {
      if (value === undefined || value === null)
        throw new Error(`needs ${what} from an earlier step`);
      return value;
    },
  };
  out();
  out(`  ${bold(`${id}  ${title}`)}  ${dim(`expect ${expected}`)}`);
  let says;
  try {
    says = await fn(t);
  } catch (error) {
    t.failures.push(`error: ${error instanceof Error ? error.message : String(error)}`);
  }
  const ok = t.failures.length === 0;
  if (ok)
    wrap(says || '', WIDTH - 6).forEach((line, i) =>
      out(`    ${i === 0 ? green('✔') : ' '} ${line}`),
    );
  else for (const failure of t.failures) out(`    ${red('✘')} ${red(failure)}`);
  results.push({ id, title, expected, got: t.statuses.join(' '), ok, failures: t.failures });
  return ok;
}

// --- JWT forgery helpers -------------------------------------------------------------------

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
function decodeJwt(token) {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    signature,
    rawHeader: header,
  };
}

// --- the tour: one function per layer, called in order by tour() ---------------------------

/**
 * What the steps share: the admin's login, whether the tour started the app itself, the two
 * operators (login bodies live in `login`; ids and tokens are kept beside them, never sent), and
 * in `ctx` what earlier steps made (tokens, the station, keys).
 */
function newTour(admin, ownServer) {
  return {
    admin,
    ownServer,
    ctx: {},
    op1: {
      login: {
        email: `tour-op1-${RUN}@tour.invalid`,
        password: `op1 ${randomBytes(12).toString('base64url')}`,
      },
    },
    op2: {
      login: {
        email: `tour-op2-${RUN}@tour.invalid`,
        password: `op2 ${randomBytes(12).toString('base64url')}`,
      },
    },
  };
}

// 1 -----------------------------------------------------------------------------------------

async function securityHeaders() {
  section(1, 'Security headers and CORS', 'src/security/headers');

  await step(
    '1.1',
    'helmet on every response; an unlisted Origin gets no CORS grant',
    '200, no ACAO',
    async (t) => {
      const res = await t.request('GET', '/health/live', {
        headers: { Origin: EVIL_ORIGIN },
        show: [
          'Content-Security-Policy',
          'X-Frame-Options',
          'X-Content-Type-Options',
          'Strict-Transport-Security',
          'Referrer-Policy',
          'Cache-Control',
          'Cross-Origin-Resource-Policy',
          'X-Powered-By',
          'Access-Control-Allow-Origin',
        ],
        summary: (d) => JSON.stringify(d),
      });
      t.expectStatus(res, 200);
      t.check(
        /default-src 'none'/.test(res.headers.get('content-security-policy') || '') &&
          /frame-ancestors 'none'/.test(res.headers.get('content-security-policy') || ''),
        "Content-Security-Policy is not default-src 'none'; frame-ancestors 'none'",
      );
      t.check(res.headers.get('x-frame-options') === 'DENY', 'X-Frame-Options is not DENY');
      t.check(
        res.headers.get('x-content-type-options') === 'nosniff',
        'X-Content-Type-Options is not nosniff',
      );
      t.check(
        res.headers.get('referrer-policy') === 'no-referrer',
        'Referrer-Policy is not no-referrer',
      );
      t.check(res.headers.get('x-powered-by') === null, 'X-Powered-By is present');
      t.check(
        res.headers.get('access-control-allow-origin') === null,
        `${EVIL_ORIGIN} was granted CORS`,
      );
      t.check(/^[A-Za-z0-9._:-]+$/.test(res.headers.get('x-request-id') || ''), 'no X-Request-Id');
      return 'helmet: CSP, frame, sniffing and referrer headers set; CORS: the evil origin got no Access-Control-Allow-Origin, so a browser hides the answer from its page.';
    },
  );
}

/** Only on the app the tour started: it knows that app's CORS_ORIGINS. */
async function cors({ ownServer }) {
  if (ownServer) {
    await step(
      '1.2',
      'a listed Origin (CORS_ORIGINS) is allowed, without credentials',
      '200, ACAO',
      async (t) => {
        const res = await t.request('GET', '/health/live', {
          headers: { Origin: ALLOWED_ORIGIN },
          show: [
            'Access-Control-Allow-Origin',
            'Access-Control-Allow-Credentials',
            'Access-Control-Expose-Headers',
          ],
          summary: () => undefined,
        });
        t.expectStatus(res, 200);
        t.check(
          res.headers.get('access-control-allow-origin') === ALLOWED_ORIGIN,
          'the listed origin was not allowed',
        );
        t.check(
          res.headers.get('access-control-allow-credentials') === null,
          'credentials are allowed',
        );
        return `CORS: ${ALLOWED_ORIGIN} is on the allow-list, so it gets its own origin back (never *, never credentials).`;
      },
    );
  }
}

// 2 -----------------------------------------------------------------------------------------

async function authentication({ admin, ctx }) {
  section(2, 'Authentication: default deny, JWT sessions for people', 'src/security/jwt');

  await step('2.1', 'no credential at all', '401', async (t) => {
    const res = await t.request('GET', '/v1/stations', { show: ['Content-Type'] });
    t.expectStatus(res, 401);
    t.check(
      /application\/problem\+json/.test(res.headers.get('content-type') || ''),
      'not problem+json',
    );
    return 'AuthenticationGuard: every route needs a credential unless marked @Public(); one generic 401, as RFC 9457 problem+json.';
  });

  await step('2.2', 'the admin logs in', '200 + token pair', async (t) => {
    const res = await t.request('POST', '/v1/auth/login', {
      json: admin,
      summary: (d) =>
        d &&
        `accessToken ${shorten(d.accessToken, 10)}  refreshToken ${shorten(d.refreshToken)}  expiresIn ${d.expiresIn}`,
    });
    t.expectStatus(res, 200);
    ctx.adminToken = t.check(typeof res.data?.accessToken === 'string', 'no accessToken')
      ? res.data.accessToken
      : undefined;
    return 'argon2id verified the password; a session started: a 15-minute ES256 access token (its kid in the JWKS) and a single-use opaque refresh token.';
  });
}

// 3 -----------------------------------------------------------------------------------------

async function operators({ ctx, op1, op2 }) {
  section(
    3,
    'Setting the scene: people, roles, a station, API keys',
    'src/users, src/security/api-key',
  );

  for (const [n, op, label] of [
    ['3.1', op1, 'operator A'],
    ['3.2', op2, 'operator B'],
  ]) {
    await step(
      n,
      `${label} registers (as a viewer), verifies the address, the admin makes them an operator`,
      OUTBOX ? '201, 204, 200, 200' : '201, 200, 200',
      async (t) => {
        const adminToken = t.need(ctx.adminToken, 'the admin token');
        const reg = await t.request('POST', '/v1/auth/register', {
          json: op.login,
          summary: (d) => d && `id ${d.id}  role ${d.role}`,
        });
        t.expectStatus(reg, 201);
        t.check(reg.data?.role === 'viewer', 'registration did not create a viewer');
        op.id = t.need(reg.data?.id, 'the new user id');
        if (OUTBOX) {
          // Only a proven address may be made an operator (UNVERIFIED_ACCOUNTS=read-only).
          const token = t.need(
            await outboxToken(op.login.email, 'verify-email'),
            'the mailed link',
          );
          const verified = await t.request('POST', '/v1/auth/verify-email', { json: { token } });
          t.expectStatus(verified, 204);
        }
        const patch = await t.request('PATCH', `/v1/users/${op.id}`, {
          headers: bearer(adminToken),
          json: { role: 'operator' },
          summary: (d) => d && `role ${d.role}`,
        });
        t.expectStatus(patch, 200);
        t.check(patch.data?.role === 'operator', 'the role did not change');
        const login = await t.request('POST', '/v1/auth/login', {
          json: op.login,
          summary: (d) => d && `accessToken ${shorten(d.accessToken, 10)}`,
        });
        t.expectStatus(login, 200);
        op.token = login.data?.accessToken;
        return 'registration only ever makes viewers; only an admin (PATCH /v1/users/:id) grants a role.';
      },
    );
  }
}

async function stationAndKeys({ ctx, op1 }) {
  await step('3.3', 'operator A creates a station (and owns it)', '201', async (t) => {
    const res = await t.request('POST', '/v1/stations', {
      headers: bearer(t.need(op1.token, "operator A's token")),
      json: {
        code: `TOUR_${RUN.toUpperCase()}`,
        name: 'Tour rooftop',
        latitude: 52.52,
        longitude: 13.4,
        elevationM: 48,
        timezone: 'Europe/Berlin',
      },
      summary: (d) => d && `id ${d.id}  code ${d.code}  ownerId ${d.ownerId}`,
    });
    t.expectStatus(res, 201);
    t.check(res.data?.ownerId === op1.id, 'the station is not owned by operator A');
    ctx.station = res.data;
    return 'ownerId comes from the caller\u2019s identity, never from the body.';
  });

  await step(
    '3.4',
    'operator A makes two API keys: observations:write bound to the station, stations:read',
    '201, 201',
    async (t) => {
      const token = t.need(op1.token, "operator A's token");
      const station = t.need(ctx.station, 'the station');
      const keySummary = (d) =>
        d &&
        `key ${shorten(d.key)}  scopes ${JSON.stringify(d.scopes)}  resourceId ${d.resourceId}`;
      const write = await t.request('POST', '/v1/api-keys', {
        headers: bearer(token),
        json: { name: 'roof logger', scopes: ['observations:write'], resourceId: station.id },
        summary: keySummary,
      });
      t.expectStatus(write, 201);
      t.check(/^wxk_[^_]+_.+/.test(write.data?.key || ''), 'no wxk_ key in the answer');
      ctx.writeKey = write.data?.key;
      const read = await t.request('POST', '/v1/api-keys', {
        headers: bearer(token),
        json: { name: 'station list reader', scopes: ['stations:read'] },
        summary: keySummary,
      });
      t.expectStatus(read, 201);
      ctx.readKey = read.data?.key;
      return 'the full key is shown this once; the server keeps only SHA-256 of its secret.';
    },
  );
}

// 4 -----------------------------------------------------------------------------------------

async function apiKeyScopes({ ctx }) {
  section(4, 'API keys and scopes (applications)', 'src/security/api-key, authorization');

  await step('4.1', 'the logger key posts an observation to its station', '201', async (t) => {
    const station = t.need(ctx.station, 'the station');
    const res = await t.request('POST', `/v1/stations/${station.id}/observations`, {
      headers: apiKey(t.need(ctx.writeKey, 'the observations:write key')),
      json: {
        observedAt: new Date(Date.now() - 3_600_000).toISOString(),
        temperatureC: 4.2,
        relativeHumidity: 81,
      },
      summary: (d) => d && clip(JSON.stringify(d)),
    });
    t.expectStatus(res, 201);
    return 'X-API-Key matched by SHA-256 in constant time; the key holds observations:write and is bound to this station.';
  });

  await step('4.2', 'the stations:read key lists stations (its scope)', '200', async (t) => {
    const res = await t.request('GET', '/v1/stations?limit=1', {
      headers: apiKey(t.need(ctx.readKey, 'the stations:read key')),
      summary: (d) => d && `page.total ${d.page?.total}`,
    });
    t.expectStatus(res, 200);
    return 'the route accepts api-key credentials with stations:read.';
  });

  await step('4.3', 'the same key reads observations (not its scope)', '403', async (t) => {
    const station = t.need(ctx.station, 'the station');
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date().toISOString();
    const res = await t.request(
      'GET',
      `/v1/stations/${station.id}/observations?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      { headers: apiKey(t.need(ctx.readKey, 'the stations:read key')) },
    );
    t.expectStatus(res, 403);
    return 'AuthorizationGuard: the route needs observations:read; a valid key without that scope is refused.';
  });
}

// 5 -----------------------------------------------------------------------------------------

async function ownership({ ctx, op1, op2 }) {
  section(5, 'Object-level authorization (ownership)', 'src/security/authorization');

  await step('5.1', "operator B renames operator A's station", '404', async (t) => {
    const station = t.need(ctx.station, 'the station');
    const res = await t.request('PATCH', `/v1/stations/${station.id}`, {
      headers: bearer(t.need(op2.token, "operator B's token")),
      json: { name: 'mine now' },
    });
    t.expectStatus(res, 404);
    return 'assertCanManage: not the owner, so the answer is the same 404 as for a missing id (ids cannot be probed).';
  });

  await step('5.2', 'the station is unchanged', '200, same name', async (t) => {
    const station = t.need(ctx.station, 'the station');
    const res = await t.request('GET', `/v1/stations/${station.id}`, {
      headers: bearer(t.need(op1.token, "operator A's token")),
      summary: (d) => d && `name "${d.name}"  updatedAt ${d.updatedAt}`,
    });
    t.expectStatus(res, 200);
    t.check(res.data?.name === station.name, `the name changed to "${res.data?.name}"`);
    t.check(res.data?.updatedAt === station.updatedAt, 'updatedAt changed');
    return 'nothing was written: the refusal came before any change.';
  });
}

// 6 -----------------------------------------------------------------------------------------

async function sqlInjection({ op1 }) {
  section(6, 'Validation: injection and mass assignment', 'src/security/validation');

  const injection = "X'; DROP TABLE station;--";
  await step('6.1', 'an SQL injection string in a body field', '400', async (t) => {
    const res = await t.request('POST', '/v1/stations', {
      headers: bearer(t.need(op1.token, "operator A's token")),
      json: {
        code: injection,
        name: 'x',
        latitude: 0,
        longitude: 0,
        elevationM: 0,
        timezone: 'UTC',
      },
    });
    t.expectStatus(res, 400);
    t.check(
      (res.data?.errors || []).some((e) => e.field === 'code'),
      'the error does not name the field code',
    );
    return 'ValidationPipe: code must match ^[A-Z0-9_-]{3,16}$; the string never reaches SQL (which is parameterised anyway).';
  });

  await step('6.2', 'an SQL injection string in a query filter', '200, 0 matches', async (t) => {
    const token = t.need(op1.token, "operator A's token");
    const res = await t.request('GET', `/v1/stations?name=${encodeURIComponent("' OR 1=1--")}`, {
      headers: bearer(token),
      summary: (d) => d && `data.length ${d.data?.length}  page.total ${d.page?.total}`,
    });
    t.expectStatus(res, 200);
    t.check(
      res.data?.page?.total === 0 && res.data?.data?.length === 0,
      'the filter matched stations',
    );
    const all = await t.request('GET', '/v1/stations?limit=1', {
      headers: bearer(token),
      quiet: '(the table is still there)',
    });
    t.expectStatus(all, 200);
    const total = all.data?.page?.total;
    t.check(total > 0, 'no stations left');
    return `a bound parameter: the text is searched for literally (ILIKE, % and _ escaped); 0 of ${total} stations match.`;
  });
}

async function massAssignmentAndBodies() {
  await step('6.3', 'register with an extra field role: admin', '400', async (t) => {
    const res = await t.request('POST', '/v1/auth/register', {
      json: {
        email: `tour-eve-${RUN}@tour.invalid`,
        password: 'twelve chars or more',
        role: 'admin',
      },
    });
    t.expectStatus(res, 400);
    t.check(
      (res.data?.errors || []).some((e) => e.field === 'role'),
      'the error does not name role',
    );
    return 'whitelist + forbidNonWhitelisted: an unknown property is a 400 naming it, not silently dropped; no account was made.';
  });

  await step('6.4', 'a body that is not JSON', '415', async (t) => {
    const res = await t.request('POST', '/v1/auth/login', {
      headers: { 'Content-Type': 'text/plain' },
      body: 'email=admin',
    });
    t.expectStatus(res, 415);
    return 'requireJsonBody: only application/json bodies reach a parser (a transport error: not an audit event).';
  });
}

// 7 -----------------------------------------------------------------------------------------

async function forgedTokens({ op1 }) {
  section(7, 'Forged tokens', 'src/security/jwt');

  await step('7.1', "operator A's genuine token on an admin route", '403', async (t) => {
    const res = await t.request('GET', '/v1/users', {
      headers: bearer(t.need(op1.token, "operator A's token")),
    });
    t.expectStatus(res, 403);
    return 'authenticated, but the route needs the admin role: 403.';
  });

  await step(
    '7.2',
    'the same claims with role admin and alg none (no signature)',
    '401',
    async (t) => {
      const real = decodeJwt(t.need(op1.token, "operator A's token"));
      const header = { alg: 'none', typ: 'JWT' };
      const payload = { ...real.payload, role: 'admin' };
      out(
        `    ${dim('forged')}  header ${JSON.stringify(header)}  payload {…, "role":"admin"}  signature ""`,
      );
      const res = await t.request('GET', '/v1/users', {
        headers: bearer(`${b64url(header)}.${b64url(payload)}.`),
      });
      t.expectStatus(res, 401);
      return 'JwtStrategy takes the algorithm from the key the kid names (ES256), never from the header; an unsigned token is no token.';
    },
  );

  await step(
    '7.3',
    'the genuine token with its payload changed to role admin',
    '401',
    async (t) => {
      const real = decodeJwt(t.need(op1.token, "operator A's token"));
      const payload = { ...real.payload, role: 'admin' };
      out(
        `    ${dim('forged')}  header ${JSON.stringify(real.header)}  payload {…, "role":"admin"}  signature (the original)`,
      );
      const res = await t.request('GET', '/v1/users', {
        headers: bearer(`${real.rawHeader}.${b64url(payload)}.${real.signature}`),
      });
      t.expectStatus(res, 401);
      return 'the HMAC no longer matches the payload; and the role is read from the database anyway, not from the token.';
    },
  );
}

// 8 -----------------------------------------------------------------------------------------

async function loginLockout({ ownServer, op2 }) {
  section(8, 'Rate limiting: failed logins lock the account', 'src/security/throttling');

  await step(
    '8.1',
    "wrong passwords for operator B's account until the lock",
    `401 … then 429`,
    async (t) => {
      const wrong = { email: op2.login.email, password: 'a wrong password, surely' };
      const maxAttempts = ownServer ? LOGIN_FAILURES_LIMIT : 12;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const res = await t.request('POST', '/v1/auth/login', {
          json: wrong,
          quiet: `attempt ${attempt}, wrong password`,
        });
        if (res.status !== 401) break;
      }
      const failures = t.statuses.filter((s) => s === 401).length;
      if (ownServer) {
        t.check(
          failures === LOGIN_FAILURES_LIMIT,
          `${failures} of ${LOGIN_FAILURES_LIMIT} attempts answered 401`,
        );
      }
      out(`    ${dim(`attempt ${t.statuses.length + 1}, wrong password again, in full:`)}`);
      const res = await t.request('POST', '/v1/auth/login', {
        json: wrong,
        show: ['Retry-After', 'X-RateLimit-*'],
      });
      t.expectStatus(res, 429);
      t.check(Number(res.headers.get('retry-after')) > 0, 'no Retry-After');
      return `LoginAttemptsLimiter: after ${failures} failures the account is locked for 15 minutes, checked before argon2 runs.`;
    },
  );

  await step('8.2', 'now the right password', '429', async (t) => {
    const res = await t.request('POST', '/v1/auth/login', {
      json: op2.login,
      show: ['Retry-After'],
    });
    t.expectStatus(res, 429);
    t.check(Number(res.headers.get('retry-after')) > 0, 'no Retry-After');
    return 'during the lock even the right password is refused: guessing gains nothing.';
  });

  await step('8.3', "operator B's existing session is untouched", '200', async (t) => {
    const res = await t.request('GET', '/v1/auth/me', {
      headers: bearer(t.need(op2.token, "operator B's token")),
      show: ['X-RateLimit-*'],
      summary: (d) => d && `email ${d.email}  role ${d.role}`,
    });
    t.expectStatus(res, 200);
    return 'the lock stops new logins only; per-IP and per-identity budgets show in X-RateLimit-* headers.';
  });

  if (!OUTBOX) return; // reading the mailed link needs the outbox of the app the tour starts
  await step(
    '8.4',
    'operator B forgets the password: a reset link by mail, known and unknown alike',
    '202, 202 (same body)',
    async (t) => {
      const known = await t.request('POST', '/v1/auth/password-reset/request', {
        json: { email: op2.login.email },
        summary: (d) => d && d.message,
      });
      const unknown = await t.request('POST', '/v1/auth/password-reset/request', {
        json: { email: `nobody-${RUN}@example.com` },
        summary: (d) => d && d.message,
      });
      t.expectStatus(known, 202);
      t.expectStatus(unknown, 202);
      t.check(JSON.stringify(known.data) === JSON.stringify(unknown.data), 'the answers differ');
      return 'one answer for every address; the mail (dev outbox: a 0600 file) holds the only secret, a one-time link.';
    },
  );

  await step(
    '8.5',
    'the link sets a new password once; the old session ends',
    '204, 400, 401',
    async (t) => {
      const token = t.need(await outboxToken(op2.login.email, 'reset-password'), 'the mailed link');
      const newPassword = `a new passphrase for B ${RUN}`;
      const reset = await t.request('POST', '/v1/auth/password-reset/confirm', {
        json: { token, newPassword },
      });
      t.expectStatus(reset, 204);
      const again = await t.request('POST', '/v1/auth/password-reset/confirm', {
        json: { token, newPassword: `and another one ${RUN}` },
      });
      t.expectStatus(again, 400);
      const old = await t.request('GET', '/v1/auth/me', {
        headers: bearer(t.need(op2.token, "operator B's token")),
      });
      t.expectStatus(old, 401);
      op2.login = { email: op2.login.email, password: newPassword };
      return 'single use, bound to the old password, every session and refresh token of B ended, B notified by mail.';
    },
  );
}

// 9 -----------------------------------------------------------------------------------------

// 9 -----------------------------------------------------------------------------------------

/** The code an authenticator app shows for a 30-second step (otplib, as the app computes it). */
function totpAt(secret, step) {
  return require('otplib').generate({ secret, epoch: step * 30 + 1 });
}
const currentTotpStep = () => Math.floor(Date.now() / 30000);

async function mfa({ ctx, op1 }) {
  section(9, 'MFA: TOTP enrolment and a login with a code', 'src/security/mfa');

  await step('9.1', 'operator A turns on TOTP (password again)', '201 + secret', async (t) => {
    const res = await t.request('POST', '/v1/auth/mfa/totp', {
      headers: bearer(t.need(op1.token, "operator A's token")),
      json: { password: op1.login.password },
      summary: (d) => d && `secret ${shorten(d.secret, 4)}  otpauthUrl otpauth://totp/…`,
    });
    t.expectStatus(res, 201);
    ctx.totpSecret = res.data?.secret;
    return 'a 160-bit secret, sealed with AES-256-GCM (MFA_ENCRYPTION_KEY) in the database; shown once, as a QR-code URL for the app.';
  });

  await step(
    '9.2',
    'operator A confirms with the app’s code',
    '200 + 10 recovery codes',
    async (t) => {
      const secret = t.need(ctx.totpSecret, 'the TOTP secret');
      const res = await t.request('POST', '/v1/auth/mfa/totp/confirm', {
        headers: bearer(op1.token),
        json: { code: await totpAt(secret, currentTotpStep()) },
        summary: (d) =>
          d && `recoveryCodes ${d.recoveryCodes?.length} × ${shorten(d.recoveryCodes?.[0], 5)}`,
      });
      t.expectStatus(res, 200);
      t.check(res.data?.recoveryCodes?.length === 10, 'not ten recovery codes');
      return 'MFA is on; ten single-use recovery codes, stored as SHA-256 only.';
    },
  );

  await step('9.3', 'operator A logs in with the password', '200, mfaRequired', async (t) => {
    const res = await t.request('POST', '/v1/auth/login', {
      json: op1.login,
      summary: (d) => d && `mfaRequired ${d.mfaRequired}  mfaToken ${shorten(d.mfaToken, 8)}`,
    });
    t.expectStatus(res, 200);
    t.check(res.data?.mfaRequired === true && !res.data?.accessToken, 'tokens without a code');
    ctx.mfaToken = res.data?.mfaToken;
    return 'the password alone starts no session: a single-use, 5-minute mfaToken (hashed at rest, not an access token).';
  });

  await step(
    '9.4',
    'the mfaToken and the next code',
    '200 + token pair, amr pwd+otp',
    async (t) => {
      ctx.totpCode = await totpAt(t.need(ctx.totpSecret, 'the TOTP secret'), currentTotpStep() + 1);
      const res = await t.request('POST', '/v1/auth/login/mfa', {
        json: { mfaToken: t.need(ctx.mfaToken, 'the mfaToken'), code: ctx.totpCode },
        summary: (d) =>
          d?.accessToken && `amr ${JSON.stringify(decodeJwt(d.accessToken).payload.amr)}`,
      });
      t.expectStatus(res, 200);
      t.check(
        JSON.stringify(res.data?.accessToken && decodeJwt(res.data.accessToken).payload.amr) ===
          '["pwd","otp"]',
        'amr is not pwd+otp',
      );
      return 'a session that proved a second factor; @RequiresMfa routes (API keys, roles, the audit log, the security alerts) accept it for MFA_STEP_UP_MAX_AGE_SECONDS.';
    },
  );

  await step('9.5', 'the same code again, with a new mfaToken', '401 (replay)', async (t) => {
    const again = await t.request('POST', '/v1/auth/login', { json: op1.login });
    const res = await t.request('POST', '/v1/auth/login/mfa', {
      json: { mfaToken: again.data?.mfaToken, code: t.need(ctx.totpCode, 'the code') },
    });
    t.expectStatus(res, 401);
    return 'each time step is accepted once per account (a conditional UPDATE of last_step); wrong codes spend the login failure budget.';
  });
}

async function auditTrail(state) {
  section(10, 'Audit trail of this tour', 'src/security/audit');
  await step('10.1', 'the admin reads the audit log', '200, every layer recorded', (t) =>
    readAuditLog(t, state),
  );

  await step('10.2', 'the admin verifies the hash chain', '200, valid', async (t) => {
    const res = await t.request('GET', '/v1/audit-logs/verify', {
      headers: bearer(t.need(state.ctx.adminToken, 'the admin token')),
      summary: (d) => d && JSON.stringify(d),
    });
    t.expectStatus(res, 200);
    t.check(res.data?.valid === true, 'the chain is not valid');
    return `each record hashes the previous one; all ${res.data?.checked} recomputed and matched (a trigger refuses UPDATE/DELETE).`;
  });
}

/** The tour's records in the audit log: every change and refusal, its actor, no secrets. */
async function readAuditLog(t, state) {
  const token = t.need(state.ctx.adminToken, 'the admin token');
  const from = new Date(STARTED_AT.getTime() - 5_000).toISOString();
  const query = `/v1/audit-logs?from=${encodeURIComponent(from)}&limit=500`;
  await waitForBufferedRecords(token, query);
  const res = await t.request('GET', query, {
    headers: bearer(token),
    summary: (d) => d && `${d.data?.length} records`,
  });
  t.expectStatus(res, 200);
  const stepOf = new Map(sent.map((r) => [r.requestId, r.step]));
  const rows = (res.data?.data || []).filter((r) => stepOf.has(r.requestId)).reverse();
  printAuditRows(rows, stepOf);
  const auditable = checkEveryRequestRecorded(t, rows);
  checkActors(t, rows, stepOf);
  checkNoSecrets(t, res.text, state);
  const folded = rows.reduce((n, r) => n + (r.occurrences > 1 ? r.occurrences - 1 : 0), 0);
  return (
    `${auditable.length} changes and refusals, ${rows.length} records` +
    (folded ? ` (repeats folded: ×n)` : '') +
    ': each with its actor and the status the client saw; no secret in any of them.'
  );
}

/**
 * Rejections are buffered and written about once a second: polls (unprinted) until the last
 * one, the lock-out's rate_limit.exceeded, is in.
 */
async function waitForBufferedRecords(token, query) {
  for (let tries = 0; tries < 20; tries++) {
    const res = await fetch(`${BASE}${query}`, {
      headers: bearer(token),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const data = await res.json().catch(() => undefined);
    if (res.status !== 200 || (data?.data || []).some((r) => r.action === 'rate_limit.exceeded'))
      break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function printAuditRows(rows, stepOf) {
  out();
  const lines = table(
    ['id', 'step', 'action', 'outcome', 'status', 'actor', 'role', 'route'],
    rows.map((r) => [
      r.id,
      stepOf.get(r.requestId),
      r.occurrences > 1 ? `${r.action} ×${r.occurrences}` : r.action,
      r.outcome,
      r.httpStatus,
      r.actorType,
      r.actorRole || '',
      r.route || '',
    ]),
  );
  for (const line of lines) out(`      ${line}`);
  out();
}

/**
 * Every change and every refusal of this tour must have its record, with the status the
 * client saw. Not audited, by design: successful reads (counted in usage analytics) and the
 * transport-level 413/415 of the body gate (audit-denials.listener.ts records 400, 401, 403,
 * 429 and 5xx; audited handlers record their own failures, such as the ownership 404).
 * Returns the requests that needed a record.
 */
function checkEveryRequestRecorded(t, rows) {
  const byRequest = new Map(rows.map((r) => [r.requestId, r]));
  const auditable = sent.filter(
    (r) =>
      !r.step.startsWith('10.') &&
      r.status !== 413 &&
      r.status !== 415 &&
      (r.method !== 'GET' || r.status >= 400),
  );
  const missing = [];
  for (const request of auditable) {
    const record = byRequest.get(request.requestId);
    const folded = rows.some(
      (r) =>
        r.occurrences > 1 &&
        r.httpStatus === request.status &&
        r.route?.endsWith(routeShape(request.path)),
    );
    if (!record && !folded)
      missing.push(`${request.step} ${request.method} ${request.path} ${request.status}`);
    else if (record) {
      t.check(
        record.httpStatus === request.status,
        `${request.step}: recorded ${record.httpStatus}, the client got ${request.status}`,
      );
    }
  }
  t.check(missing.length === 0, `no audit record for: ${missing.join(', ')}`);
  return auditable;
}

function checkActors(t, rows, stepOf) {
  const actorOf = (step, status) =>
    rows.find((r) => stepOf.get(r.requestId) === step && r.httpStatus === status)?.actorType;
  t.check(actorOf('2.1', 401) === 'anonymous', 'the 401 is not recorded as anonymous');
  t.check(actorOf('4.1', 201) === 'api-key', 'the ingest is not recorded against the key');
  t.check(actorOf('4.3', 403) === 'api-key', 'the wrong-scope 403 is not recorded against the key');
  t.check(actorOf('5.1', 404) === 'user', 'the ownership 404 is not recorded against operator B');
}

/** No password, token or key secret of the tour in the audit log's whole answer. */
function checkNoSecrets(t, everything, { admin, ctx, op1, op2 }) {
  const secrets = [
    admin.password,
    op1.login.password,
    op2.login.password,
    ctx.writeKey,
    ctx.readKey,
    op1.token,
    op2.token,
    ctx.adminToken,
  ].filter((s) => typeof s === 'string');
  // A key's secret part is everything after `wxk_<keyId>_`: base64url may contain `_` itself,
  // so splitting on `_` would test a few random characters that any text can contain.
  const keySecret = (s) => /^wxk_[0-9a-f]{16}_(.+)$/.exec(s)?.[1];
  t.check(
    secrets.every(
      (s) => !everything.includes(s) && !(keySecret(s) && everything.includes(keySecret(s))),
    ),
    'a password, token or key secret appears in the audit log',
  );
}

// 11 ----------------------------------------------------------------------------------------

/**
 * One client tries one password on many accounts (a leaked list): each login fails alone, no
 * account reaches its lock, but the detection rule counts distinct accounts per client and
 * raises one alert for the episode.
 */
async function monitoring({ ownServer, ctx }) {
  section(11, 'Monitoring: a credential-stuffing attempt raises an alert', 'src/security/monitoring');
  const accounts = ownServer ? STUFFING_ACCOUNTS : STUFFING_ACCOUNTS_DEFAULT;

  await step(
    '11.1',
    `one client, one password, ${accounts} different accounts`,
    `401 ×${accounts}`,
    async (t) => {
      for (let i = 1; i <= accounts; i++) {
        const res = await t.request('POST', '/v1/auth/login', {
          json: { email: `leaked-${RUN}-${i}@tour.invalid`, password: 'Summer2026! is not a passphrase' },
          quiet: `account ${i} of a leaked list`,
        });
        t.expectStatus(res, 401);
      }
      return `each answer is the same 401; no account is locked (one try each), but AlertDetector counts distinct accounts per client address (ALERT_STUFFING_ACCOUNTS=${accounts}).`;
    },
  );

  await step(
    '11.2',
    'the admin lists the security alerts',
    '200, one credential_stuffing alert',
    async (t) => {
      const token = t.need(ctx.adminToken, 'the admin token');
      const from = new Date(STARTED_AT.getTime() - 5_000).toISOString();
      const query = `/v1/security/alerts?type=credential_stuffing&from=${encodeURIComponent(from)}`;
      // The alert is written through the audit buffer (about once a second): poll, unprinted.
      await waitFor(async () => (await getJson(query, token))?.data?.length > 0);
      // One more failure in the same episode: counted, not alerted again.
      await t.request('POST', '/v1/auth/login', {
        json: { email: `leaked-${RUN}-${accounts + 1}@tour.invalid`, password: 'Summer2026! is not a passphrase' },
        quiet: 'one more account, same episode',
      });
      const res = await t.request('GET', query, {
        headers: bearer(token),
        summary: (d) =>
          d?.data?.[0] &&
          `${d.data.length} alert: ${d.data[0].type} from ${d.data[0].clientIp}, evidence ${JSON.stringify(d.data[0].evidence)}`,
      });
      t.expectStatus(res, 200);
      const alerts = res.data?.data || [];
      t.check(alerts.length === 1, `${alerts.length} credential_stuffing alerts, expected 1`);
      const evidence = alerts[0]?.evidence || {};
      t.check(evidence.distinctAccounts >= accounts, 'the evidence does not count the accounts');
      t.check(!res.text.includes(`leaked-${RUN}`), 'an address appears in the alert');
      return 'one alert per episode (ALERT_EPISODE_SECONDS), itself an audit record (security.alert.credential_stuffing): counts and window, the client address, no e-mail address, no password.';
    },
  );

  if (!METRICS_BASE) return;
  await step(
    '11.3',
    'Prometheus scrapes the metrics listener (its own port)',
    '200, the failures and the alert',
    async (t) => {
      const res = await fetch(`${METRICS_BASE}/metrics`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      t.statuses.push(res.status);
      out(`    ${bold('GET')} ${METRICS_BASE}/metrics`);
      out(`    ← ${colourStatus(`${res.status} ${httpReason(res.status)}`)}`);
      const shown = text
        .split('\n')
        .filter((line) =>
          /^(auth_failures_total\{credential="password"|security_alerts_total\{|principal_cache_lookups_total\{result="hit")/.test(
            line,
          ),
        );
      for (const line of shown) out(`        ${dim(line)}`);
      t.expectStatus(res, 200);
      const sample = (pattern) => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text)?.[1]);
      t.check(
        sample('security_alerts_total\\{type="credential_stuffing"\\}') === 1,
        'security_alerts_total{type="credential_stuffing"} is not 1',
      );
      t.check(
        sample('auth_failures_total\\{credential="password",reason="bad_password"\\}') >= accounts,
        'the failed logins are not counted',
      );
      t.check(!text.includes(`leaked-${RUN}`), 'an address appears in the metrics');
      return 'never on the API port; labels are reasons and alert types, never a user, key, address or path. deploy/prometheus alerts on security_alerts_total.';
    },
  );
}

/** GET as the admin, unprinted (polling); undefined when it does not answer 200. */
async function getJson(pathAndQuery, token) {
  const res = await fetch(`${BASE}${pathAndQuery}`, {
    headers: bearer(token),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return res.status === 200 ? res.json().catch(() => undefined) : undefined;
}

/** Polls `condition` at most 40 times, 250 ms apart (10 s). */
async function waitFor(condition) {
  for (let tries = 0; tries < 40; tries++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The layers in the order the tour shows them; later steps use what earlier ones made. */
const LAYERS = [
  securityHeaders,
  cors,
  authentication,
  operators,
  stationAndKeys,
  apiKeyScopes,
  ownership,
  sqlInjection,
  massAssignmentAndBodies,
  forgedTokens,
  loginLockout,
  mfa,
  auditTrail,
  monitoring,
];

async function tour(admin, ownServer) {
  const state = newTour(admin, ownServer);
  for (const layer of LAYERS) await layer(state);
}

// --- the app -------------------------------------------------------------------------------

/** Only what the app needs: nothing from the caller's shell (DATABASE_URL, REDIS_URL, …) leaks in. */
function childEnv(port, metricsPort, admin) {
  const env = {};
  // HTTP_ADAPTER too: CI tours the app on Express as well as on the default Fastify.
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'LANG', 'HTTP_ADAPTER']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return {
    ...env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    PGLITE_DATA_DIR: 'memory://',
    MAIL_OUTBOX_DIR: OUTBOX,
    SEED_DEMO_DATA: 'true',
    DOCS_ENABLED: 'false',
    BOOTSTRAP_ADMIN_EMAIL: admin.email,
    BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    CORS_ORIGINS: ALLOWED_ORIGIN,
    RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL: String(LOGIN_FAILURES_LIMIT),
    METRICS_PORT: String(metricsPort),
    METRICS_HOST: '127.0.0.1',
    ALERT_STUFFING_ACCOUNTS: String(STUFFING_ACCOUNTS),
  };
}

let child;
let childOutput = '';

/** Starts the app; resolves once /health/ready answers 200. */
async function startApp(port, metricsPort, admin) {
  // cwd outside the repository root: main.ts loads ./.env when present, and a developer's .env
  // must not change what the tour shows.
  child = spawn(process.execPath, [MAIN], {
    cwd: __dirname,
    env: childEnv(port, metricsPort, admin),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => {
    childOutput = (childOutput + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited)
      throw new Error(`the app exited during start (code ${exited.code}, signal ${exited.signal})`);
    try {
      const res = await fetch(`${BASE}/health/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `the app was not ready at ${BASE}/health/ready within ${START_TIMEOUT_MS / 1000}s`,
  );
}

function childAlive() {
  return child && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM (the app flushes its audit buffer and closes the database), SIGKILL after 5 s. */
async function stopApp() {
  if (!childAlive()) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => childAlive() && child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

process.on('exit', () => {
  if (childAlive()) child.kill('SIGKILL');
  if (OUTBOX) fs.rmSync(OUTBOX, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (childAlive()) child.kill('SIGKILL');
    process.exit(130);
  });
}

// --- main ----------------------------------------------------------------------------------

function printSummary() {
  section('✓', 'Summary');
  out();
  const lines = table(
    ['step', 'what', 'expected', 'got', 'result'],
    results.map((r) => [r.id, clip(r.title, 58), r.expected, r.got, r.ok ? 'ok' : 'FAILED']),
  );
  out(`  ${dim(lines[0])}`);
  out(`  ${dim(lines[1])}`);
  lines.slice(2).forEach((line, i) => out(`  ${results[i].ok ? line : red(line)}`));
  const failed = results.filter((r) => !r.ok);
  out();
  if (failed.length === 0) {
    out(green(bold(`  All ${results.length} steps behaved as described.`)));
  } else {
    out(red(bold(`  ${failed.length} of ${results.length} steps did NOT behave as described:`)));
    for (const r of failed) out(red(`    ${r.id} ${r.title}: ${r.failures.join('; ')}`));
  }
  return failed.length === 0;
}

async function main() {
  const tourUrl = process.env.TOUR_URL;
  let admin;
  const started = Date.now();
  out(bold('Guided tour of the weather API security layers'));
  if (tourUrl) {
    BASE = tourUrl.replace(/\/+$/, '');
    METRICS_BASE = process.env.TOUR_METRICS_URL?.replace(/\/+$/, '');
    if (!process.env.TOUR_ADMIN_EMAIL || !process.env.TOUR_ADMIN_PASSWORD) {
      throw new Error(
        'TOUR_URL needs TOUR_ADMIN_EMAIL and TOUR_ADMIN_PASSWORD (an admin of that server)',
      );
    }
    admin = { email: process.env.TOUR_ADMIN_EMAIL, password: process.env.TOUR_ADMIN_PASSWORD };
    out(dim(`  server: ${BASE} (TOUR_URL), admin ${admin.email}`));
    const res = await fetch(`${BASE}/health/ready`, { signal: AbortSignal.timeout(5000) }).catch(
      (error) => {
        throw new Error(`${BASE}/health/ready: ${error.cause?.code || error.message}`);
      },
    );
    if (res.status !== 200) throw new Error(`${BASE}/health/ready answered ${res.status}`);
  } else {
    admin = {
      email: `tour-admin-${RUN}@tour.invalid`,
      password: randomBytes(18).toString('base64url'),
    };
    const port = await freePort();
    let metricsPort = await freePort();
    for (let i = 0; i < 5 && metricsPort === port; i++) metricsPort = await freePort();
    BASE = `http://127.0.0.1:${port}`;
    METRICS_BASE = `http://127.0.0.1:${metricsPort}`;
    out(dim(`  app: node ${path.relative(ROOT, MAIN)} on ${BASE}`));
    out(
      dim(
        '  database: embedded PGlite in memory (PGLITE_DATA_DIR=memory://), demo stations seeded',
      ),
    );
    out(
      dim(
        `  first admin: ${admin.email} / ${shorten(admin.password, 4)} (generated); ` +
          `CORS_ORIGINS=${ALLOWED_ORIGIN}; RATE_LIMIT_LOGIN_FAILURES_PER_EMAIL=${LOGIN_FAILURES_LIMIT}; ` +
          `metrics on ${METRICS_BASE}; ALERT_STUFFING_ACCOUNTS=${STUFFING_ACCOUNTS}`,
      ),
    );
    await startApp(port, metricsPort, admin);
    out(dim(`  ready in ${((Date.now() - started) / 1000).toFixed(1)} s`));
  }

  const tourStarted = Date.now();
  await tour(admin, !tourUrl);
  const ok = printSummary();
  out(
    dim(
      `  tour ${((Date.now() - tourStarted) / 1000).toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s`,
    ),
  );
  return ok;
}

main()
  .then(async (ok) => {
    if (!ok && childOutput.trim()) {
      out(dim('\n  the app\u2019s own output (warn and above), last lines:'));
      for (const line of childOutput.trim().split('\n').slice(-20)) out(dim(`    ${line}`));
    }
    await stopApp();
    process.exit(ok ? 0 : 1);
  })
  .catch(async (error) => {
    out(red(bold(`\ntour aborted: ${error instanceof Error ? error.message : String(error)}`)));
    if (childOutput.trim()) {
      out(dim('  the app\u2019s output, last lines:'));
      for (const line of childOutput.trim().split('\n').slice(-30)) out(dim(`    ${line}`));
    }
    if (results.length > 0) printSummary();
    await stopApp();
    process.exit(2);
  });

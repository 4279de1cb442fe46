import fc from 'fast-check';
import request from 'supertest';
import { LEAK_MARKERS } from '../support/leaks';
import { createStation } from '../support/stations';
import { TEST_ADMIN, TestApp, startTestApp } from '../support/test-app';
import { FUZZ_RUNS, FUZZ_SEED } from '../support/fuzz-settings';

/**
 * Property-based fuzzing of every write endpoint with fast-check: random JSON (fc.jsonValue,
 * fc.anything) and hostile bodies aimed at each endpoint's fields (valid bodies with one field
 * replaced by SQL, script, NUL and unicode strings, huge or NaN-like numbers, deep nesting,
 * `__proto__`/`constructor` keys, arrays where objects belong, malformed JSON text).
 *
 * Every response must be:
 *   - below 500;
 *   - on an error, RFC 9457 problem+json (`type`, `title`, `status` equal to the HTTP status)
 *     without stack or SQL text (unless the request itself contained that text);
 *   - on an error, without side effects: the row counts of stations, observations, users and
 *     api_keys, and the content of the stations and users tables, are what they were before.
 *
 * Deterministic: every field of every endpoint first gets each of KILLER_VALUES (fast-check
 * examples), then random bodies from a fixed seed (FUZZ_SEED to change it), FUZZ_RUNS per
 * endpoint. A failure prints the seed, the fast-check path and the request that broke it;
 * rerun with FUZZ_SEED=<seed> to reproduce.
 */

// ---------------------------------------------------------------------------------------------
// Hostile values

const SQL_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE stations;--",
  '1; SELECT pg_sleep(5)--',
  "' UNION SELECT password_hash FROM users--",
  "admin'--",
  '$1',
  "E'\\\\x00'",
  '%',
  '_',
  '\\',
];
const SCRIPT_STRINGS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{constructor.constructor("return process")()}}',
  '${7*7}',
];
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\uffff',
  '\u202e\u0041',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'Ω≈ç√∫',
  '\r\n\t',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1F',
  '1_000',
  'null',
  'true',
  'undefined',
  '[]',
  '{}',
  '2026-02-30T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z',
  'Europe/../../etc/passwd',
  // Valid-looking zones ICU knows and PostgreSQL does not: stored, they made /daily a 500.
  'US/Pacific-New',
  'Canada/East-Saskatchewan',
  '../../../../etc/passwd',
  'x'.repeat(1000),
];

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL_STRINGS, ...SCRIPT_STRINGS, ...ODD_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);

const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 63,
    360,
    -90.0000001,
    90.0000001,
  ),
  fc.double(), // NaN and ±Infinity serialise as null
  fc.integer(),
  fc.bigInt().map((n) => ({ raw: n.toString() })), // digits beyond double precision, as JSON text
);

/** A JSON value nested `depth` levels deep, as text (too deep for recursion-happy code). */
const deepNesting: fc.Arbitrary<{ raw: string }> = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) => ({
    raw: arrays
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  }));

/** Any value a hostile field may hold. `{ raw }` is inserted as JSON text verbatim. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], ['x'], { a: 1 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
);

const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];

/** JSON text of a value, with `{ raw }` objects spliced in verbatim and own `__proto__` keys. */
function toJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === 'raw' && typeof record.raw === 'string') return record.raw;
  return `{${keys.map((k) => `${JSON.stringify(k)}:${toJson(record[k])}`).join(',')}}`;
}

/** JSON object text from [key, value] pairs (keys may repeat or be `__proto__`). */
function objectText(entries: [string, unknown][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`).join(',')}}`;
}

/**
 * Bodies for an endpoint whose valid body `valid()` returns: generic random JSON, plus
 * targeted mutations of the valid body that get past everything but one check.
 */
function bodies(valid: () => Record<string, unknown>): fc.Arbitrary<string> {
  const fields = Object.keys(valid());
  const field = fc.constantFrom(...fields);
  return fc.oneof(
    // Random JSON of any shape.
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map(toJson) },
    // One field replaced by a hostile value.
    {
      weight: 6,
      arbitrary: fc.tuple(field, hostileValue).map(([name, value]) => {
        const entries = Object.entries(valid()).map(([k, v]): [string, unknown] => [
          k,
          k === name ? value : v,
        ]);
        return objectText(entries);
      }),
    },
    // Every field replaced by hostile values.
    {
      weight: 2,
      arbitrary: fc
        .array(hostileValue, { minLength: fields.length, maxLength: fields.length })
        .map((values) => objectText(fields.map((k, i): [string, unknown] => [k, values[i]]))),
    },
    // A valid body with a field missing, or an extra (mass-assignment) field.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          field,
          fc.constantFrom(
            'ownerId',
            'id',
            'role',
            'userId',
            'createdAt',
            'passwordHash',
            'isAdmin',
          ),
          fc.oneof(hostileValue, fc.uuid()),
          fc.boolean(),
        )
        .map(([drop, extra, value, removing]) =>
          objectText(
            removing
              ? Object.entries(valid()).filter(([k]) => k !== drop)
              : [...Object.entries(valid()), [extra, value]],
          ),
        ),
    },
    // Prototype pollution: reserved keys at the top or inside a field, next to valid fields.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...RESERVED_KEYS), field, fc.boolean(), hostileValue)
        .map(([key, name, nested, value]) => {
          const polluted = { raw: objectText([[key, { isAdmin: true, role: 'admin', value }]]) };
          const entries = Object.entries(valid());
          return nested
            ? objectText(entries.map(([k, v]): [string, unknown] => [k, k === name ? polluted : v]))
            : objectText([...entries, [key, { role: 'admin', isAdmin: true }]]);
        }),
    },
    // Arrays where an object is expected, and duplicate keys.
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 0, max: 3 })
        .map((n) => toJson(Array.from({ length: n }, valid))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(field, hostileValue)
        .map(([name, value]) => objectText([...Object.entries(valid()), [name, value]])),
    },
    // Deep nesting as the whole body, and text that is not JSON at all.
    { weight: 1, arbitrary: deepNesting.map((d) => d.raw) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
}

/**
 * fast-check's report (seed, path, counterexample) with each line cut short, since a
 * counterexample can be 100 kB of nesting, followed by the assertion that failed (its `cause`).
 */
function describeFailure(endpoint: string, error: unknown): string {
  const clip = (line: string) => {
    const short = compact(line);
    return short.length > 400 ? `${short.slice(0, 400)}… (${line.length} chars)` : short;
  };
  const report = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  return [
    `${endpoint}: fuzzing failed with seed ${FUZZ_SEED} (reproduce: FUZZ_SEED=${FUZZ_SEED} npm run test:e2e -- test/fuzz)`,
    ...report
      .split('\n')
      .filter((line) => !line.includes('Hint:'))
      .map(clip),
    cause ? `Assertion: ${cause}` : '',
  ].join('\n');
}

/**
 * Values that have broken JSON APIs before, tried in every field of every endpoint (as
 * fast-check `examples`, before the random runs, whatever the seed): null where a value is
 * optional, NUL bytes (PostgreSQL text cannot hold them), nesting deep enough to exhaust a
 * recursive walker, empty and wrong-typed containers, extreme numbers, long strings, and time
 * zone names only ICU knows.
 */
const KILLER_VALUES: unknown[] = [
  null,
  '\u0000',
  'a\u0000b',
  '',
  [],
  {},
  [null],
  true,
  1e308,
  -0,
  'x'.repeat(5000),
  // Valid-looking time zones that ICU knows and PostgreSQL does not (read back via /daily).
  'US/Pacific-New',
  'Canada/East-Saskatchewan',
  { raw: `${'['.repeat(5000)}1${']'.repeat(5000)}` },
  { raw: `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}` },
];
const KILLER_BODIES = [
  'null',
  '[]',
  '"text"',
  '42',
  '{}',
  '[{}]',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  '{"__proto__":{"role":"admin"}}',
  '{"constructor":{"prototype":{"role":"admin"}}}',
];

function killerExamples(valid: () => Record<string, unknown>): [string][] {
  const examples: [string][] = KILLER_BODIES.map((body): [string] => [body]);
  for (const field of Object.keys(valid())) {
    for (const value of KILLER_VALUES) {
      const entries = Object.entries(valid()).map(([k, v]): [string, unknown] => [
        k,
        k === field ? value : v,
      ]);
      examples.push([objectText(entries)]);
    }
  }
  return examples;
}

// ---------------------------------------------------------------------------------------------
// The app and its state

describe('fuzzing the write endpoints (fast-check)', () => {
  let t: TestApp;
  let stationId: string;
  let viewerId: string;
  let member: { email: string; auth: Record<string, string> };
  let counter = 0;
  const next = () => ++counter;

  beforeAll(async () => {
    t = await startTestApp();
    stationId = (
      await createStation(t, {
        code: 'FUZZ_HOME',
        name: 'Fuzz home',
        timezone: 'UTC',
      })
    ).id;

    // A viewer for the admin to PATCH, who also uses their own session for change-password.
    const email = 'fuzz-member@test.example';
    const password = 'fuzz member password 1';
    const registered = await request(t.server).post('/v1/auth/register').send({ email, password });
    expect(registered.status).toBe(201);
    viewerId = (registered.body as { id: string }).id;
    const login = await request(t.server).post('/v1/auth/login').send({ email, password });
    expect(login.status).toBe(200);
    member = {
      email,
      auth: { Authorization: `Bearer ${(login.body as { accessToken: string }).accessToken}` },
    };
  });
  afterAll(() => t?.close());

  /** What a rejected request must leave unchanged. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const rows: Record<string, unknown>[] = await t.dataSource.query(`
      SELECT (SELECT count(*) FROM stations)::int AS stations,
             (SELECT count(*) FROM observations)::int AS observations,
             (SELECT count(*) FROM users)::int AS users,
             (SELECT count(*) FROM api_keys)::int AS api_keys,
             (SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s.id), '')) FROM stations s) AS stations_md5,
             (SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) FROM users u) AS users_md5`);
    return rows[0];
  }

  interface Endpoint {
    name: string;
    method: 'post' | 'patch';
    path: () => string;
    headers: () => Record<string, string>;
    valid: () => Record<string, unknown>;
    /** On success, the station whose reads must still answer (what was written is read back). */
    wrote?: (res: { body: unknown }) => string;
  }

  /** Every read of a station, daily summaries included, around the fuzzed observations (January 2020). */
  const readsOf = (id: string) => [
    `/v1/stations/${id}`,
    `/v1/stations/${id}/observations?from=2020-01-01T00:00:00Z&to=2020-01-31T00:00:00Z`,
    `/v1/stations/${id}/observations/latest`,
    `/v1/stations/${id}/daily?from=2020-01-01&to=2020-12-31`,
  ];

  /** A created or changed thing whose read-back is a 5xx (or not JSON) is a failure too. */
  async function readBack(id: string, shown: string): Promise<void> {
    for (const path of readsOf(id)) {
      const res = await request(t.server).get(path).set(t.auth);
      if (res.status >= 500 || (res.status !== 200 && res.status !== 404))
        throw new Error(
          `read-back ${path} answered ${res.status} after ${shown}\n${res.text.slice(0, 300)}`,
        );
    }
  }

  const endpoints: Endpoint[] = [
    {
      name: 'POST /v1/stations',
      method: 'post',
      path: () => '/v1/stations',
      headers: () => t.auth,
      valid: () => ({
        code: `FZ_${next()}`,
        name: 'Fuzzed',
        latitude: 10,
        longitude: 20,
        elevationM: 30,
        timezone: 'Europe/Berlin',
      }),
      wrote: (res) => (res.body as { id: string }).id,
    },
    {
      name: 'PATCH /v1/stations/:id',
      method: 'patch',
      path: () => `/v1/stations/${stationId}`,
      headers: () => t.auth,
      valid: () => ({
        name: 'Fuzz home',
        latitude: 1,
        longitude: 2,
        elevationM: 3,
        timezone: 'UTC',
      }),
      wrote: () => stationId,
    },
    {
      name: 'POST /v1/stations/:id/observations',
      method: 'post',
      path: () => `/v1/stations/${stationId}/observations`,
      headers: () => t.auth,
      valid: () => ({
        observedAt: new Date(Date.UTC(2020, 0, 1) + next() * 60_000).toISOString(),
        temperatureC: 10,
        relativeHumidity: 50,
        pressureHpa: 1000,
        windSpeedMs: 3,
        windDirectionDeg: 180,
        precipitationMm: 0.5,
      }),
      wrote: () => stationId,
    },
    {
      name: 'POST /v1/auth/register',
      method: 'post',
      path: () => '/v1/auth/register',
      headers: () => ({}),
      valid: () => ({ email: `fuzz-${next()}@test.example`, password: 'a fuzzed long password' }),
    },
    {
      name: 'POST /v1/auth/login',
      method: 'post',
      path: () => '/v1/auth/login',
      headers: () => ({}),
      valid: () => ({ email: TEST_ADMIN.email, password: 'not the admin password' }),
    },
    {
      name: 'POST /v1/auth/refresh',
      method: 'post',
      path: () => '/v1/auth/refresh',
      headers: () => ({}),
      valid: () => ({ refreshToken: `wxr_${'A'.repeat(43)}` }),
    },
    {
      name: 'POST /v1/auth/change-password',
      method: 'post',
      path: () => '/v1/auth/change-password',
      headers: () => member.auth,
      valid: () => ({
        currentPassword: 'not the current password',
        newPassword: 'a new long password',
      }),
    },
    {
      name: 'POST /v1/api-keys',
      method: 'post',
      path: () => '/v1/api-keys',
      headers: () => t.auth,
      valid: () => ({
        name: 'fuzzed key',
        scopes: ['stations:read', 'observations:read'],
        resourceId: stationId,
        rateLimitPerMinute: 100,
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      }),
    },
    {
      name: 'PATCH /v1/users/:id',
      method: 'patch',
      path: () => `/v1/users/${viewerId}`,
      headers: () => t.auth,
      valid: () => ({ role: 'viewer', disabled: false }),
    },
  ];

  it.each(endpoints.map((e) => [e.name, e] as const))(
    '%s: no 5xx, problem+json without internals, no writes on rejection',
    async (_name, endpoint) => {
      const property = fc.asyncProperty(bodies(endpoint.valid), async (text) => {
        const before = await snapshot();
        const res = await request(t.server)
          [endpoint.method](endpoint.path())
          .set(endpoint.headers())
          .set('Content-Type', 'application/json')
          .send(text);
        const raw = res.text ?? '';
        const sent = compact(text);
        const shown = `${endpoint.name} answered ${res.status} to ${sent.slice(0, 400)}${sent.length > 400 ? '…' : ''} (${text.length} chars)\nresponse: ${raw.slice(0, 500)}`;

        if (res.status >= 500) throw new Error(`5xx: ${shown}`);
        if (res.status < 400) {
          if (endpoint.wrote) await readBack(endpoint.wrote(res), shown);
          return;
        }

        if (!/^application\/problem\+json/.test(String(res.headers['content-type'])))
          throw new Error(`not problem+json (${String(res.headers['content-type'])}): ${shown}`);
        const body = res.body as { type?: unknown; title?: unknown; status?: unknown };
        if (
          typeof body.type !== 'string' ||
          typeof body.title !== 'string' ||
          body.status !== res.status
        )
          throw new Error(`malformed problem: ${shown}`);
        for (const marker of LEAK_MARKERS) {
          if (raw.includes(marker) && !text.includes(marker))
            throw new Error(`leaks ${JSON.stringify(marker)}: ${shown}`);
        }
        const after = await snapshot();
        if (JSON.stringify(after) !== JSON.stringify(before))
          throw new Error(
            `rejected request changed data: ${JSON.stringify(before)} -> ${JSON.stringify(after)}: ${shown}`,
          );
      });
      try {
        await fc.assert(property, {
          seed: FUZZ_SEED,
          numRuns: FUZZ_RUNS,
          endOnFailure: true,
          examples: killerExamples(endpoint.valid),
        });
      } catch (error) {
        throw new Error(describeFailure(endpoint.name, error), { cause: error });
      }
    },
  );
});

/** Long runs of a repeated unit shortened for messages: `[[[[…` becomes `⟨[×5000⟩`. */
function compact(text: string): string {
  return text.replace(
    /(.{1,6}?)\1{9,}/gs,
    (run, unit: string) => `⟨${unit}×${run.length / unit.length}⟩`,
  );
}

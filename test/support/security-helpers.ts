import { readFileSync, readdirSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { Response } from 'supertest';
import { UsersService } from '../../src/users/users.service';
import type { Role } from '../../src/users/user.entity';
import {
  SignedInUser,
  eventually,
  login,
  newPassword,
  problemCore,
  query,
  snapshot,
  uniqueEmail,
} from './identity-helpers';
import type { TestApp } from './test-app';

/**
 * Shared helpers for the per-risk attack files in test/security (one file per OWASP API Security
 * Top 10 2023 risk) and the route inventory. Each attack there checks two things: the status the
 * attacker gets, and that the database is exactly as before (`expectUnchangedBy`).
 */

export const REPO_ROOT = join(__dirname, '..', '..');
export const SRC_DIR = join(REPO_ROOT, 'src');

// ---------------------------------------------------------------------------------------------
// People made without spending a rate-limited flow

/**
 * A user made through the real UsersService (argon2id hash, same insert as registration), then
 * logged in through the API. Unlike self-registration it spends no `register-ip` budget, so files
 * with tight limits can set up their cast without eating into the limit under test.
 */
export async function seededUser(
  t: TestApp,
  role: Role,
  options: { signIn?: boolean } = {},
): Promise<SignedInUser> {
  const email = uniqueEmail(role);
  const password = newPassword();
  const user = await t.app.get(UsersService).create(email, password, role);
  const session =
    options.signIn === false
      ? { accessToken: '', refreshToken: '', auth: {} }
      : await login(t, { email, password });
  return { id: user.id, email, password, role, session, auth: session.auth };
}

// ---------------------------------------------------------------------------------------------
// "Nothing changed"

/**
 * Runs `attack` and asserts that every table an attacker could change (users, sessions, refresh
 * tokens, API keys, stations, the number of observations) is exactly as before. Returns what
 * the attack returned, so its status can be checked too.
 */
export async function expectUnchangedBy<T>(t: TestApp, attack: () => Promise<T>): Promise<T> {
  const before = await snapshot(t);
  const result = await attack();
  expect(await snapshot(t)).toEqual(before);
  return result;
}

/** Status, type, title and detail of a problem: what must not differ between two refusals. */
export function refusal(res: Response): Record<string, unknown> {
  const { status, type, title, detail } = problemCore(res);
  return { status, type, title, detail };
}

/** `Object.prototype` has none of `names`: what a pollution attempt would plant, read in-process. */
export function expectPrototypeClean(...names: string[]): void {
  const probe: Record<string, unknown> = {};
  for (const name of names) {
    expect(probe[name]).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, name)).toBe(false);
  }
}

// ---------------------------------------------------------------------------------------------
// Attack payloads

/** Classic SQL injection probes: tautologies, stacked queries, comments, unions, time delays. */
export const SQL_INJECTION_STRINGS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE stations; --",
  "1; DELETE FROM users WHERE '1'='1",
  "' UNION SELECT password_hash, email FROM users --",
  "'); UPDATE users SET role='admin' --",
  "' AND pg_sleep(3) --",
  '" OR ""="',
  "\\'; SELECT 1; --",
];

/** `{"x": [[[[...]]]]}`: a valid JSON body that nests `depth` arrays deep. */
export function deeplyNestedJson(depth: number, fields: Record<string, unknown> = {}): string {
  const head = JSON.stringify(fields).slice(0, -1);
  const separator = Object.keys(fields).length > 0 ? ',' : '';
  return `${head}${separator}"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI document

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  required?: string[];
  nullable?: boolean;
}

export interface OpenApiResponse {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: OpenApiSchema }>;
}

export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema?: OpenApiSchema }>;
  requestBody?: {
    content?: Record<
      string,
      { schema?: OpenApiSchema; examples?: Record<string, { value: unknown }> }
    >;
  };
  responses: Record<string, OpenApiResponse>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas?: Record<string, OpenApiSchema>;
    headers?: Record<string, unknown>;
    securitySchemes?: Record<string, unknown>;
  };
}

export async function openApiDocument(t: TestApp): Promise<OpenApiDocument> {
  const res = await request(t.server).get('/docs-json');
  if (res.status !== 200) throw new Error(`/docs-json: ${res.status}`);
  return res.body as OpenApiDocument;
}

/** Every operation of the document: `GET /v1/stations/{id}` with its operation object. */
export function documentedOperations(
  doc: OpenApiDocument,
): Array<{ name: string; method: string; path: string; operation: OpenApiOperation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operation,
      })),
  );
}

/** Follows `#/components/schemas/X` references. */
export function resolveSchema(doc: OpenApiDocument, schema: OpenApiSchema): OpenApiSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined && hops < 10; hops += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = doc.components.schemas?.[name];
    if (!target) throw new Error(`unresolved schema reference ${current.$ref}`);
    current = target;
  }
  return current;
}

/**
 * The paths (`data.0.email`) of every property in `value` that its documented schema does not
 * declare: a response that carries more than its contract is how hashes and internals leak.
 */
export function undocumentedProperties(
  doc: OpenApiDocument,
  schema: OpenApiSchema,
  value: unknown,
  path = '',
): string[] {
  const resolved = resolveSchema(doc, schema);
  const parts = [...(resolved.allOf ?? []), ...(resolved.oneOf ?? []), ...(resolved.anyOf ?? [])];
  if (parts.length > 0 && resolved.properties === undefined) {
    // Allowed when at least one alternative declares everything.
    const findings = parts.map((part) => undocumentedProperties(doc, part, value, path));
    return findings.reduce((best, next) => (next.length < best.length ? next : best));
  }
  if (Array.isArray(value)) {
    const items = resolved.items;
    if (!items) return [];
    return value.flatMap((item, index) =>
      undocumentedProperties(doc, items, item, `${path}${path ? '.' : ''}${index}`),
    );
  }
  if (value === null || typeof value !== 'object') return [];
  // A free-form object (`type: object` without properties, like audit details) is declared as such.
  if (resolved.properties === undefined) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const childPath = `${path}${path ? '.' : ''}${key}`;
    const childSchema = resolved.properties?.[key];
    return childSchema ? undocumentedProperties(doc, childSchema, child, childPath) : [childPath];
  });
}

// ---------------------------------------------------------------------------------------------
// Routes as Express serves them

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/** `GET /v1/stations/:id` for every route in the Express router of the running app. */
export function expressRoutes(t: TestApp): Array<{ method: string; path: string }> {
  const express: Express = t.app.getHttpAdapter().getInstance();
  const layers = (express.router as unknown as { stack: RouterLayer[] }).stack;
  return layers.flatMap((layer) => {
    const path = layer.route?.path;
    if (typeof path !== 'string') return [];
    return Object.keys(layer.route?.methods ?? {})
      .filter((method) => HTTP_METHODS.includes(method) && method !== '_all')
      .map((method) => ({ method: method.toUpperCase(), path }));
  });
}

/** `/v1/stations/:id` -> `/v1/stations/{id}` */
export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

// ---------------------------------------------------------------------------------------------
// Source code, read as text

/** Every non-test TypeScript file under src/, with its path relative to the repository. */
export function sourceFiles(dir = SRC_DIR): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) return [];
    return [{ path: relative(REPO_ROOT, full), text: readFileSync(full, 'utf8') }];
  });
}

/**
 * Ways code makes an outbound network call. `node:http` is allowed only for the names the app
 * takes from it (status texts and the request type), never for `request`/`get`/`Agent`.
 */
export const OUTBOUND_CLIENT_PATTERNS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'fetch()', pattern: /\bfetch\s*\(/ },
  { name: 'XMLHttpRequest / WebSocket', pattern: /\b(XMLHttpRequest|WebSocket|EventSource)\b/ },
  {
    name: 'an HTTP client library',
    pattern:
      /(from|require\()\s*['"](axios|got|node-fetch|undici|superagent|needle|request|ky|cross-fetch|isomorphic-fetch|@nestjs\/axios)['"]/,
  },
  {
    name: 'http(s).request / get / Agent',
    pattern:
      /\bhttps?\.(request|get|Agent)\b|\b(request|get|Agent)\s*}\s*from\s*['"](node:)?https?['"]/,
  },
  { name: 'node:https, net, tls or dgram', pattern: /['"](node:)?(https|net|tls|dgram)['"]/ },
  { name: 'a DNS lookup', pattern: /['"](node:)?dns(\/promises)?['"]/ },
  { name: 'a child process', pattern: /['"](node:)?child_process['"]/ },
];

/** What `src/` imports from `node:http`: only these names are allowed (no client API). */
export const ALLOWED_HTTP_IMPORTS = ['IncomingMessage', 'STATUS_CODES', 'Server', 'ServerResponse'];

export function importsFromNodeHttp(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(
    /import\s+(?:type\s+)?{([^}]*)}\s+from\s+['"](node:)?http['"]/g,
  )) {
    names.push(
      ...match[1]
        .split(',')
        .map((name) => name.replace(/^\s*type\s+/, '').trim())
        .filter(Boolean),
    );
  }
  if (/import\s+\*\s+as\s+\w+\s+from\s+['"](node:)?http['"]/.test(text)) names.push('*');
  if (/import\s+\w+\s+from\s+['"](node:)?http['"]/.test(text)) names.push('default');
  return names;
}

// ---------------------------------------------------------------------------------------------
// Outbound connections, observed at the socket

export interface Connection {
  host: string;
  port: number;
}

function connectionOf(args: unknown[]): Connection | undefined {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    const options = first as { host?: string; port?: number | string; path?: string };
    if (options.path !== undefined) return undefined; // a Unix socket, not the network
    return { host: options.host ?? 'localhost', port: Number(options.port) };
  }
  if (typeof first === 'number' || typeof first === 'string') {
    return { host: typeof second === 'string' ? second : 'localhost', port: Number(first) };
  }
  return undefined;
}

/**
 * Runs `work` against the app listening on a loopback port and returns every TCP connection the
 * process opened meanwhile, except the test client's own connections to the app and the app's
 * connections to its database (and Redis, when configured). `Socket.prototype.connect` is
 * wrapped, not mocked: every connection still happens, it is only noted.
 */
export async function outboundConnectionsDuring(
  t: TestApp,
  work: (server: string) => Promise<void>,
): Promise<Connection[]> {
  if (!t.server.listening) {
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', () => resolve()));
  }
  const appPort = (t.server.address() as AddressInfo).port;
  const expected = new Set<number>([appPort]);
  const databaseUrl = (t.dataSource.options as { url?: string }).url;
  if (databaseUrl) expected.add(Number(new URL(databaseUrl).port || 5432));
  if (t.config.redisUrl) expected.add(Number(new URL(t.config.redisUrl).port || 6379));

  const seen: Connection[] = [];
  type Connect = (this: Socket, ...args: unknown[]) => Socket;
  const prototype = Socket.prototype as unknown as { connect: Connect };
  const original = prototype.connect;
  prototype.connect = function observedConnect(this: Socket, ...args: unknown[]): Socket {
    const connection = connectionOf(args);
    if (connection) seen.push(connection);
    return original.apply(this, args);
  };
  try {
    await work(`http://127.0.0.1:${appPort}`);
  } finally {
    prototype.connect = original;
  }
  return seen.filter((c) => !expected.has(c.port));
}

// ---------------------------------------------------------------------------------------------
// The audit log, as the defences are detected

export interface AuditRow {
  action: string;
  outcome: string;
  http_status: number;
  actor_type: string;
  actor_id: string | null;
  route: string | null;
  details: Record<string, unknown> | null;
  occurrences: number;
}

/**
 * Audit rows of `action` that match `where` (oldest first), waiting up to 5 s until there are at
 * least `atLeast` of them (or `complete` says so): denials are written by a batching buffer
 * about once a second.
 */
export async function auditRowsEventually(
  t: TestApp,
  action: string,
  where: (row: AuditRow) => boolean = () => true,
  atLeast = 1,
  complete: (rows: AuditRow[]) => boolean = (rows) => rows.length >= atLeast,
): Promise<AuditRow[]> {
  const read = async () =>
    (
      await query<AuditRow>(t, 'SELECT * FROM audit_log WHERE action = $1 ORDER BY id', [action])
    ).filter(where);
  const rows = await eventually(async () => {
    const found = await read();
    return complete(found) ? found : undefined;
  });
  return rows ?? (await read());
}

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { Response } from 'supertest';
import type { WeatherScope as ApiKeyScope } from '../../src/weather/weather-scopes';
import { RoutePolicy, readPolicy } from '../../src/security/authorization/route-policy';
import type { Role } from '../../src/users/user.entity';
import type { TestApp } from './test-app';
import { PROBLEM_CONTENT_TYPE, observationBody, stationBody } from './weather-helpers';

/**
 * Shared helpers for the identity e2e files (test/identity): people with a role, their sessions,
 * API keys, hand-crafted tokens, and database snapshots that prove an attack changed nothing.
 */

export type Headers = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// Secrets and names

/** A JWT_SECRET the config accepts: 48 random bytes as hex (no placeholder words possible). */
export function strongJwtSecret(): string {
  return randomBytes(48).toString('hex');
}

/** A random password of 24 characters (the API accepts 12-128). */
export function newPassword(): string {
  return `pw-${randomBytes(16).toString('base64url')}`;
}

/** An email address no other test uses. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@test.example`;
}

// ---------------------------------------------------------------------------------------------
// People and sessions

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** `{ Authorization: 'Bearer <accessToken>' }` */
  auth: Headers;
}

export interface SignedInUser extends TestUser {
  session: Session;
  /** Shortcut for session.auth. */
  auth: Headers;
}

export function bearerHeader(token: string): Headers {
  return { Authorization: `Bearer ${token}` };
}

/**
 * A user with the given role, made the way a real deployment makes one: self-registration
 * (always a viewer), then an admin (the test app's bootstrap admin) grants the role.
 */
export async function createUser(
  t: TestApp,
  role: Role,
  overrides: { email?: string; password?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail(role);
  const password = overrides.password ?? newPassword();
  const registered = await request(t.server).post('/v1/auth/register').send({ email, password });
  if (registered.status !== 201) {
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  }
  const id = (registered.body as { id: string }).id;
  if (role !== 'viewer') {
    const patched = await request(t.server).patch(`/v1/users/${id}`).set(t.auth).send({ role });
    if (patched.status !== 200) {
      throw new Error(`grant ${role}: ${patched.status} ${JSON.stringify(patched.body)}`);
    }
  }
  return { id, email, password, role };
}

/** Logs in and returns the new session's tokens; fails loudly if login does not answer 200. */
export async function login(
  t: TestApp,
  user: { email: string; password: string },
): Promise<Session> {
  const res = await request(t.server)
    .post('/v1/auth/login')
    .send({ email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  const { accessToken, refreshToken } = res.body as { accessToken: string; refreshToken: string };
  return { accessToken, refreshToken, auth: bearerHeader(accessToken) };
}

/** createUser + login. */
export async function signedInUser(t: TestApp, role: Role): Promise<SignedInUser> {
  const user = await createUser(t, role);
  const session = await login(t, user);
  return { ...user, session, auth: session.auth };
}

/** POST /v1/auth/refresh. */
export function refresh(t: TestApp, refreshToken: string) {
  return request(t.server).post('/v1/auth/refresh').send({ refreshToken });
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One request with the given credentials; the body is sent only when given. */
export function call(t: TestApp, method: Method, path: string, headers: Headers, body?: object) {
  const agent = request(t.server);
  const req = {
    GET: () => agent.get(path),
    POST: () => agent.post(path),
    PATCH: () => agent.patch(path),
    DELETE: () => agent.delete(path),
  }
    [method]()
    .set(headers);
  return body === undefined ? req : req.send(body);
}

/** GET /v1/auth/me: the cheapest request that proves an access token works (200) or not. */
export function me(t: TestApp, headers: Headers) {
  return request(t.server).get('/v1/auth/me').set(headers);
}

/** POST /v1/auth/logout: ends the session behind `headers`. */
export function logout(t: TestApp, headers: Headers) {
  return request(t.server).post('/v1/auth/logout').set(headers);
}

/** Admin-only PATCH /v1/users/:id, sent as the test app's bootstrap admin. */
export async function adminPatchUser(
  t: TestApp,
  userId: string,
  body: { role?: Role; disabled?: boolean },
): Promise<void> {
  const res = await request(t.server).patch(`/v1/users/${userId}`).set(t.auth).send(body);
  if (res.status !== 200) throw new Error(`PATCH user: ${res.status} ${JSON.stringify(res.body)}`);
}

// ---------------------------------------------------------------------------------------------
// Stations and observations owned by someone

export interface OwnedStation {
  id: string;
  code: string;
  ownerId: string;
}

/** Creates a station as the caller behind `headers` (who becomes its owner). */
export async function createStationAs(
  t: TestApp,
  headers: Headers,
  overrides: Record<string, unknown> = {},
): Promise<OwnedStation> {
  const res = await request(t.server)
    .post('/v1/stations')
    .set(headers)
    .send(stationBody(overrides));
  if (res.status !== 201)
    throw new Error(`createStation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as OwnedStation;
}

let observationMinutes = 0;

/** A valid observation body with an observedAt no other call in this process has used. */
export function uniqueObservation(): Record<string, unknown> {
  observationMinutes += 1;
  return observationBody(new Date(Date.now() - observationMinutes * 60_000));
}

// ---------------------------------------------------------------------------------------------
// API keys

export const API_KEY_FORMAT = /^wxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface CreatedKey {
  /** Row id (uuid), for /v1/api-keys/:id. */
  id: string;
  /** The full key, shown once: wxk_<keyId>_<secret>. */
  key: string;
  keyId: string;
  secret: string;
  ownerId: string;
  scopes: ApiKeyScope[];
  /** `{ 'X-API-Key': key }` */
  auth: Headers;
}

export function apiKeyHeader(key: string): Headers {
  return { 'X-API-Key': key };
}

/** The three parts of a full key; throws if it does not have the documented shape. */
export function splitKey(key: string): { keyId: string; secret: string } {
  const match = API_KEY_FORMAT.exec(key);
  if (!match) throw new Error(`not an API key: ${key}`);
  return { keyId: match[1], secret: match[2] };
}

/** POST /v1/api-keys as the caller behind `headers`. */
export function postKey(t: TestApp, headers: Headers, body: Record<string, unknown>) {
  return request(t.server).post('/v1/api-keys').set(headers).send(body);
}

export async function createKey(
  t: TestApp,
  headers: Headers,
  body: {
    scopes: ApiKeyScope[];
    resourceId?: string;
    expiresAt?: string;
    name?: string;
    rateLimitPerMinute?: number;
  },
): Promise<CreatedKey> {
  const res = await postKey(t, headers, { name: 'test key', ...body });
  if (res.status !== 201) throw new Error(`createKey: ${res.status} ${JSON.stringify(res.body)}`);
  const created = res.body as { id: string; key: string; ownerId: string; scopes: ApiKeyScope[] };
  return {
    id: created.id,
    key: created.key,
    ...splitKey(created.key),
    ownerId: created.ownerId,
    scopes: created.scopes,
    auth: apiKeyHeader(created.key),
  };
}

// ---------------------------------------------------------------------------------------------
// Tokens crafted by hand

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

export function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeJwt(token: string): DecodedJwt {
  const [header, payload, signature] = token.split('.');
  const parse = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: parse(header), payload: parse(payload), signature: signature ?? '' };
}

/** header.payload.signature from parts; the signature is taken as given (forgeries). */
export function encodeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  return `${base64urlJson(header)}.${base64urlJson(payload)}.${signature}`;
}

/** header.payload signed with HMAC-SHA-`bits`, whatever the header claims the algorithm is. */
export function hmacSignedJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: Buffer | string,
  bits: 256 | 384 | 512 = 256,
): string {
  const input = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  return `${input}.${createHmac(`sha${bits}`, secret).update(input).digest('base64url')}`;
}

/**
 * The claims of a real access token of `session`, with `overrides` applied; an override of
 * `undefined` removes the claim. The result is ready to sign with the app's own key.
 */
export function accessClaims(
  session: Session,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    ...decodeJwt(session.accessToken).payload,
    jti: randomUUID(),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/** Signs claims as-is (iss, aud, exp... come from the claims) with jsonwebtoken. */
export function signJwt(
  claims: Record<string, unknown>,
  secret: Buffer | string,
  algorithm: jwt.Algorithm = 'HS256',
): string {
  return jwt.sign(claims, secret, { algorithm, noTimestamp: true });
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// ---------------------------------------------------------------------------------------------
// Assertions

/** The members of a problem body that must not vary between authentication failures. */
export function problemCore(res: Response): Record<string, unknown> {
  const body = res.body as Record<string, unknown>;
  return {
    status: res.status,
    type: body.type,
    title: body.title,
    detail: body.detail,
    errors: body.errors,
  };
}

/** The one answer to every authentication failure. */
export const UNAUTHENTICATED = {
  status: 401,
  type: 'about:blank',
  title: 'Unauthorized',
  detail: 'Missing or invalid credentials.',
  errors: undefined,
};

export function expectUnauthenticated(res: Response): void {
  expect(problemCore(res)).toEqual(UNAUTHENTICATED);
  expect(res.headers['content-type']).toMatch(PROBLEM_CONTENT_TYPE);
}

export function expectStatus(res: Response, status: number): void {
  // Status and body together, so a failure shows what the server said.
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status });
}

/** Names and prefixes of password and key hashes: none may appear in any response. */
export const SECRET_MATERIAL = [
  'password_hash',
  'passwordHash',
  'secret_hash',
  'secretHash',
  '$argon2',
];

export function expectNoSecretMaterial(res: Response): void {
  const text = res.text ?? '';
  for (const marker of SECRET_MATERIAL) expect(text).not.toContain(marker);
  expect(text.toLowerCase()).not.toContain('previous_secret');
}

// ---------------------------------------------------------------------------------------------
// Database state

export async function query<T = Record<string, unknown>>(
  t: TestApp,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return t.dataSource.query<T[]>(sql, params);
}

export async function countWhere(
  t: TestApp,
  table: 'users' | 'auth_sessions' | 'refresh_tokens' | 'api_keys' | 'stations' | 'observations',
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const rows = await query<{ n: number }>(
    t,
    `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return rows[0].n;
}

/**
 * Everything an identity attack could change, read straight from the database: users (role,
 * password hash, disabled), sessions, refresh tokens, API keys and stations, and the number
 * of observations. api_keys.last_used_at is left out: a successful key check writes it in the
 * background, at most once a minute, and that is not a change an attacker makes.
 */
export async function snapshot(t: TestApp): Promise<Record<string, unknown>> {
  const [users, sessions, refreshTokens, apiKeys, stations, observations] = await Promise.all([
    query(t, 'SELECT * FROM users ORDER BY id'),
    query(t, 'SELECT * FROM auth_sessions ORDER BY id'),
    query(t, 'SELECT * FROM refresh_tokens ORDER BY id'),
    query(
      t,
      `SELECT id, key_id, secret_hash, previous_secret_hash, previous_expires_at, name, owner_id,
              scopes, resource_id, expires_at, revoked_at, rotated_at
         FROM api_keys ORDER BY id`,
    ),
    query(t, 'SELECT * FROM stations ORDER BY id'),
    query(t, 'SELECT count(*)::int AS n FROM observations'),
  ]);
  return { users, sessions, refreshTokens, apiKeys, stations, observations };
}

/** Polls until `check` resolves truthy (for effects written in the background). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// ---------------------------------------------------------------------------------------------
// Routes and their declared policies, read from the running app

export interface RegisteredRoute {
  /** e.g. `GET /v1/stations/:id` */
  name: string;
  method: string;
  path: string;
  /** `Controller.handler`, for failure messages. */
  handler: string;
  policy: RoutePolicy;
}

function pathsOf(metadata: unknown): string[] {
  if (metadata === undefined) return [''];
  return Array.isArray(metadata) ? (metadata as string[]) : [metadata as string];
}

function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** The routes one controller class declares, with the policy the guards will read for each. */
export function routesOf(reflector: Reflector, controller: Type): RegisteredRoute[] {
  const prototype = controller.prototype as Record<string, unknown>;
  const routes: RegisteredRoute[] = [];
  for (const name of new MetadataScanner().getAllMethodNames(prototype)) {
    const handler = prototype[name] as (...args: unknown[]) => unknown;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (method === undefined) continue;
    for (const base of pathsOf(Reflect.getMetadata(PATH_METADATA, controller))) {
      for (const sub of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
        const path = joinPath(base, sub);
        const verb = RequestMethod[method];
        routes.push({
          name: `${verb} ${path}`,
          method: verb,
          path,
          handler: `${controller.name}.${name}`,
          policy: readPolicy(reflector, handler, controller),
        });
      }
    }
  }
  return routes;
}

/** Every route of every controller the app registered (Nest's DiscoveryService), sorted. */
export function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const reflector = app.get(Reflector);
  const controllers = new Set<Type>();
  for (const wrapper of discovery.getControllers()) {
    if (wrapper.metatype) controllers.add(wrapper.metatype as Type);
  }
  return [...controllers]
    .flatMap((controller) => routesOf(reflector, controller))
    .sort((x, y) => x.name.localeCompare(y.name));
}

/**
 * What is wrong with a route's declared policy, if anything: default deny means every route
 * says either @Public() or which credentials it takes, and a route open to API keys names
 * the scopes they need.
 */
export function policyProblems(route: RegisteredRoute): string[] {
  const { isPublic, credentials, scopes } = route.policy;
  const problems: string[] = [];
  if (!isPublic && (!credentials || credentials.length === 0)) {
    problems.push('neither @Public() nor @Credentials(...)');
  }
  if (credentials?.includes('api-key') && (!scopes || scopes.length === 0)) {
    problems.push("accepts 'api-key' without @Scopes(...)");
  }
  return problems.map((problem) => `${route.name} (${route.handler}): ${problem}`);
}

/** A concrete path for a route template: every `:param` becomes a well-formed, unknown uuid. */
export function concretePath(path: string): string {
  return path.replace(/:[A-Za-z]+/g, '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11');
}

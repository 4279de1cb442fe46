import request from 'supertest';
import type { WeatherScope as ApiKeyScope } from '../../src/weather/weather-scopes';
import type { Headers } from './http';
import type { TestApp } from './test-app';

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

/** Issues a key as the caller behind `headers` and fails loudly if that does not work. */
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

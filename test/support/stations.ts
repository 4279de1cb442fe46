import request from 'supertest';
import type { Headers } from './http';
import type { TestApp } from './test-app';

let codeCounter = 0;

/** A station code unique within the test process (matches ^[A-Z0-9_-]{3,16}$). */
export function uniqueCode(prefix = 'S'): string {
  codeCounter += 1;
  return `${prefix}_${String(codeCounter).padStart(4, '0')}`.toUpperCase();
}

/** A valid station body with a unique code; override any field. */
export function stationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: uniqueCode(),
    name: 'Test Station',
    latitude: 52.5,
    longitude: 13.4,
    elevationM: 34,
    timezone: 'Europe/Berlin',
    ...overrides,
  };
}

export interface StationJson {
  id: string;
  code: string;
  name: string;
  latitude: number;
  longitude: number;
  elevationM: number;
  timezone: string;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A station made through the API: its creator is its owner. */
export interface OwnedStation extends StationJson {
  ownerId: string;
}

/**
 * Creates a station through the API as the caller behind `headers` (by default the test app's
 * admin), who becomes its owner; fails loudly if that does not work.
 */
export async function createStation(
  t: TestApp,
  overrides: Record<string, unknown> = {},
  headers: Headers = t.auth,
): Promise<OwnedStation> {
  const res = await request(t.server)
    .post('/v1/stations')
    .set(headers)
    .send(stationBody(overrides));
  if (res.status !== 201)
    throw new Error(`createStation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as OwnedStation;
}

import request from 'supertest';
import type { Server } from 'node:http';

/** A valid station body; override any field. Codes must be unique per test database. */
export function stationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code: 'TEST_01',
    name: 'Test Station',
    latitude: 52.5,
    longitude: 13.4,
    elevationM: 34,
    timezone: 'Europe/Berlin',
    ...overrides,
  };
}

export async function createStation(
  server: Server,
  headers: Record<string, string>,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; code: string }> {
  const res = await request(server).post('/v1/stations').set(headers).send(stationBody(overrides));
  if (res.status !== 201)
    throw new Error(`createStation: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; code: string };
}

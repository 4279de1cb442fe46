import { v1 } from './http';
import type { TestApp } from './test-app';

/** A valid observation body (only the required fields); override any field. */
export function observationBody(
  observedAt: Date | string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    observedAt: typeof observedAt === 'string' ? observedAt : observedAt.toISOString(),
    temperatureC: 10,
    ...overrides,
  };
}

let observationMinutes = 0;

/** A valid observation body with an observedAt no other call in this process has used. */
export function uniqueObservation(): Record<string, unknown> {
  observationMinutes += 1;
  return observationBody(new Date(Date.now() - observationMinutes * 60_000));
}

/** Ingests observations through the API and fails loudly if that does not work. */
export async function ingest(
  t: TestApp,
  stationId: string,
  body: Record<string, unknown> | Record<string, unknown>[],
): Promise<void> {
  const res = await v1(t).post(`/stations/${stationId}/observations`).send(body);
  if (res.status !== 201) {
    throw new Error(`ingest: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Instants

/** `count` instants, `stepMs` apart, starting at `start`. */
export function timeSeries(start: Date, count: number, stepMs: number): Date[] {
  return Array.from({ length: count }, (_, i) => new Date(start.getTime() + i * stepMs));
}

/** Minutes relative to now (negative: in the past), truncated to whole milliseconds. */
export function minutesFromNow(minutes: number): Date {
  return new Date(Date.now() + minutes * 60_000);
}

/**
 * The same instant written in another UTC offset, e.g. `2026-11-20T14:30:00.000+05:30`:
 * for query parameters and bodies that must prove offsets are honoured.
 */
export function isoWithOffset(instant: Date, offsetMinutes: number): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** base64url of any JSON: forged cursors in the shape the API issues. */
export function forgeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

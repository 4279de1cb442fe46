import request from 'supertest';
import type { DataSource } from 'typeorm';
import { PrincipalCache } from '../../src/common/principal-cache/principal-cache';
import type { Headers } from './http';
import type { TestApp } from './test-app';

/** The SQL text of every query the app's DataSource runs while `work` does (TypeORM's logger). */
export async function queriesDuring(dataSource: DataSource, work: () => Promise<unknown>) {
  const seen: string[] = [];
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    seen.push(query);
    original(query, parameters, runner);
  };
  try {
    await work();
  } finally {
    logger.logQuery = original;
  }
  return seen;
}

/** Tables authentication reads: a warm request must query none of them. */
export const AUTH_TABLES = /\b(users|auth_sessions|api_keys|signing_keys)\b/;

/** GET /v1/stations/:id: an authenticated read of one row. */
export function readStation(t: TestApp, stationId: string, headers: Headers) {
  return request(t.server).get(`/v1/stations/${stationId}`).set(headers);
}

export function cacheOf(t: TestApp): PrincipalCache {
  return t.app.get(PrincipalCache);
}

import request from 'supertest';
import type { DataSource } from 'typeorm';
import { PrincipalCache } from '../../src/common/principal-cache/principal-cache';
import { isBackgroundWork } from '../../src/database/background-work';
import type { Headers } from './http';
import type { TestApp } from './test-app';

/**
 * The SQL text of every query the app's DataSource runs for requests while `work` does
 * (TypeORM's logger); background jobs (the audit sealer's timer) mark theirs and are left out.
 */
export async function queriesDuring(dataSource: DataSource, work: () => Promise<unknown>) {
  const seen: string[] = [];
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    if (!isBackgroundWork(runner)) seen.push(query);
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

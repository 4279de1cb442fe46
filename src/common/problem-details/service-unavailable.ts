import { ProblemException } from './problem.exception';

/** How long a client is told to wait when a dependency is down or the app is saturated. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * 503 with Retry-After: the request was fine, a dependency (database, Redis) or the app's own
 * capacity was not. Clients and load balancers retry these; a 500 says "our bug" instead.
 */
export class ServiceUnavailableProblem extends ProblemException {
  constructor(detail: string, retryAfterSeconds = RETRY_AFTER_SECONDS) {
    super(503, 'Service Unavailable', detail);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

/**
 * SQLSTATE classes and codes that mean "the database could not serve this now", not "this
 * request is wrong": connection exceptions (08), insufficient resources (53), operator
 * intervention (57: statement timeout 57014, server shutting down 57P01-57P03), lock timeout.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57)[0-9A-Z]{3}$|^55P03$/;

/** Socket-level failures the pg driver (or ioredis) passes through with a Node error code. */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * pg and pg-pool report a dead connection, a connect timeout and an exhausted pool (no client
 * free within the wait) with plain Error messages and no code.
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

/**
 * True when the error (or the driver error TypeORM wraps in QueryFailedError) says the
 * database was unreachable, too slow or out of connections. Checked by shape, so this file
 * needs neither TypeORM nor pg.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const candidate of [error, (error as { driverError?: unknown } | null)?.driverError]) {
    if (typeof candidate !== 'object' || candidate === null) continue;
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))
    )
      return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(message)))
      return true;
  }
  return false;
}

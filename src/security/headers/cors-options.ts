import { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/** Response headers every allowed origin may read, whatever else the host exposes. */
export const ALWAYS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After'] as const;

/**
 * CORS from an explicit allow-list. An origin not on the list (including `null`, sent by
 * sandboxed frames and file:// pages) gets no Access-Control-Allow-Origin header, so the
 * browser withholds the response. Credentials are not allowed: tokens travel in headers
 * the page sets itself, never in cookies. Browsers expose only exact header names, so the
 * host lists its extra ones (this app: the throttler's suffixed `X-RateLimit-*-<name>`).
 */
export function buildCorsOptions(
  allowedOrigins: readonly string[],
  exposedHeaders: readonly string[] = [],
): CorsOptions {
  const allowed = new Set(allowedOrigins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: false,
    // Joined here: Express's cors joins lists with ",", @fastify/cors with ", ".
    methods: 'GET,POST,PATCH,DELETE',
    allowedHeaders: 'Authorization,Content-Type,X-API-Key,X-Request-Id',
    exposedHeaders: [...new Set([...ALWAYS_EXPOSED_HEADERS, ...exposedHeaders])].join(','),
    maxAge: 600,
  };
}

import { POST_AUTH_THROTTLERS, PRE_AUTH_THROTTLERS } from '../throttling/throttler-names';
import { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

const RATE_LIMIT_NAMES = [...PRE_AUTH_THROTTLERS, ...POST_AUTH_THROTTLERS];

/**
 * CORS from an explicit allow-list. An origin not on the list (including `null`, sent by
 * sandboxed frames and file:// pages) gets no Access-Control-Allow-Origin header, so the
 * browser withholds the response. Credentials are not allowed: tokens travel in headers
 * the page sets itself, never in cookies.
 */
export function buildCorsOptions(allowedOrigins: readonly string[]): CorsOptions {
  const allowed = new Set(allowedOrigins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: false,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Request-Id'],
    // Browsers expose only exact names: the throttler suffixes each header with its limit's name.
    exposedHeaders: [
      'X-Request-Id',
      'Retry-After',
      ...RATE_LIMIT_NAMES.flatMap((name) =>
        ['Limit', 'Remaining', 'Reset'].map((part) => `X-RateLimit-${part}-${name}`),
      ),
    ],
    maxAge: 600,
  };
}

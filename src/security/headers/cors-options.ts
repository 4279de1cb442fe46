import { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

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
    exposedHeaders: [
      'X-Request-Id',
      'Retry-After',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ],
    maxAge: 600,
  };
}

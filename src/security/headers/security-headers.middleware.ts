import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { apiHelmetOptions, docsHelmetOptions } from './helmet-options';

/**
 * The strict API policy everywhere, the Swagger UI policy on `docsPath` and below only; never
 * cache. Node-level middleware on the raw request and response: Express runs it as it is, and
 * Fastify runs it through @fastify/middie; either way before any parser or route. (helmet itself
 * only calls `res.setHeader`/`res.removeHeader`, so it needs neither framework.)
 */
export function securityHeadersMiddleware(docsPath?: string) {
  const api = helmet(apiHelmetOptions);
  const docs = helmet(docsHelmetOptions);
  return (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    // helmet does not set Cache-Control; responses may carry personal or authenticated data.
    res.setHeader('Cache-Control', 'no-store');
    const path = pathOf(req);
    const isDocs = docsPath !== undefined && (path === docsPath || path.startsWith(`${docsPath}/`));
    (isDocs ? docs : api)(req, res, next);
  };
}

/** The path as sent (middie rewrites `req.url` for mounted middleware; `originalUrl` is kept). */
function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

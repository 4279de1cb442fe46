import { clientRequestIdOf, requestIdOf } from './request-id';
import { traceIdOf } from './trace-context';

interface RequestLike {
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  /** Express: the matched route (path template) and the router mount point. */
  route?: { path?: unknown };
  baseUrl?: string;
  /** Fastify: the matched route's URL template. */
  routeOptions?: { url?: unknown };
}

/** Who and where, as the audit log and usage counters record it. Works for Express and Fastify. */
export interface RequestInfo {
  requestId: string;
  /** The W3C trace this request is a span of (a trusted proxy's, or one it started). */
  traceId: string | null;
  /** The X-Request-Id the client sent, if log-safe: theirs, for joining traces, never ours. */
  clientRequestId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  /** `GET /v1/stations/:id`, or null when no route matched (404). */
  route: string | null;
}

export function requestInfo(request: object): RequestInfo {
  const req = request as RequestLike;
  const userAgent = req.headers['user-agent'];
  return {
    requestId: requestIdOf(request),
    traceId: traceIdOf(request),
    clientRequestId: clientRequestIdOf(request),
    // req.ip already honours TRUST_PROXY; X-Forwarded-For is never read by hand.
    clientIp: req.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 200) : null,
    route: routeTemplate(req),
  };
}

function routeTemplate(req: RequestLike): string | null {
  const template =
    typeof req.route?.path === 'string'
      ? `${req.baseUrl ?? ''}${req.route.path}`
      : typeof req.routeOptions?.url === 'string'
        ? req.routeOptions.url
        : null;
  return template === null ? null : `${req.method ?? 'GET'} ${template}`.slice(0, 200);
}

/**
 * What joins a log line to its request: our request id, the W3C trace id, and the client's own
 * id when it sent a log-safe one. Code that logs while handling a request spreads these into
 * its line (there is no per-request logger context: that would take AsyncLocalStorage on every
 * request, see issue 11).
 */
export function requestLogFields(request: object): {
  requestId: string;
  traceId: string | null;
  clientRequestId?: string;
} {
  const clientRequestId = clientRequestIdOf(request);
  return {
    requestId: requestIdOf(request),
    traceId: traceIdOf(request),
    ...(clientRequestId === null ? {} : { clientRequestId }),
  };
}

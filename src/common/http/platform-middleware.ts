import type { IncomingMessage, ServerResponse } from 'node:http';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { InFlightRequests } from './in-flight-requests';
import { PROBLEM_CONTENT_TYPE } from '../problem-details/problem-details';
import { REQUEST_ID_HEADER, newRequestId, safeClientRequestId } from './request-id';
import {
  TRACEPARENT_HEADER,
  TRACERESPONSE_HEADER,
  TraceContext,
  formatTraceContext,
  parseTraceparent,
  traceContextFor,
} from './trace-context';
import type { TrustedPeer } from './trusted-proxy';

/**
 * Platform middleware, before routing. Each one is `(req, res, next)` on Node's own request and
 * response, which is what Express hands to `app.use()` and what Fastify hands to it through
 * @fastify/middie: the same functions run on both adapters (HTTP_ADAPTER), in the same order.
 */
type Next = (error?: unknown) => void;

/** What the request-id and trace middleware leave on the raw request (Fastify reads it there). */
export type TaggedRequest = IncomingMessage & {
  id?: unknown;
  clientRequestId?: string;
  trace?: TraceContext;
};

/**
 * Gives every request an id of ours, keeps the client's (if log-safe) beside it. On Fastify
 * the adapter already chose one with our generator (genReqId) and middie copied it here:
 * keeping it gives the request, its log lines and its audit record one id.
 */
export function requestIdMiddleware(req: TaggedRequest, res: ServerResponse, next: Next): void {
  const id = typeof req.id === 'string' ? req.id : newRequestId();
  req.id = id;
  req.clientRequestId = safeClientRequestId(req.headers['x-request-id']);
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

/**
 * Makes every request a span of a W3C trace: of the one a trusted proxy's `traceparent` names
 * (TRUST_PROXY, the same peers whose X-Forwarded-For is believed), or of a new one. A client
 * that is not such a proxy cannot choose the trace its requests are logged and audited under,
 * as it cannot choose their request id. A malformed value is ignored, never refused: tracing
 * must not break a request. The answer names our span (`traceresponse`), so a caller can find
 * this request in our logs and audit records.
 */
export function traceContextMiddleware(trusted: TrustedPeer) {
  return (req: TaggedRequest, res: ServerResponse, next: Next): void => {
    const header = req.headers[TRACEPARENT_HEADER];
    // The header first: most requests carry none, and then the peer need not be looked up.
    const parent =
      header !== undefined && trusted(req.socket.remoteAddress) ? parseTraceparent(header) : null;
    const trace = traceContextFor(parent);
    req.trace = trace;
    res.setHeader(TRACERESPONSE_HEADER, formatTraceContext(trace));
    next();
  };
}

/**
 * Counts the request until its response is finished or its connection closes. Once shutdown
 * began, a request that still arrives on a keep-alive connection is served and ends its
 * connection; once the drain is over, it is answered 503 with `Connection: close` and
 * Retry-After: another instance, or this one restarted, serves it.
 */
export function inFlightMiddleware(inFlight: InFlightRequests) {
  return (_req: IncomingMessage, res: ServerResponse, next: Next): void => {
    if (inFlight.closing) res.setHeader('Connection', 'close');
    if (inFlight.refusing) {
      res.statusCode = 503;
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '5');
      res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
      res.end(SHUTTING_DOWN_BODY);
      return;
    }
    inFlight.started(res);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight.finished(res);
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

const SHUTTING_DOWN_BODY = JSON.stringify({
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: 'The server is shutting down; retry the request.',
});

/**
 * A request that carries a body must say it is JSON, and send it uncompressed; anything else is
 * 415 before parsing. Express's parser would inflate a gzip body (a small request that expands
 * to the limit, a decompression bomb's first step) and Fastify's would not: neither does here.
 */
export function requireJsonBody(req: IncomingMessage, _res: ServerResponse, next: Next): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!hasBody) {
    next();
    return;
  }
  if (!isJsonUtf8(req.headers['content-type'])) {
    next(new UnsupportedMediaTypeException('Request bodies must be application/json in UTF-8.'));
    return;
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    next(new UnsupportedMediaTypeException('Request bodies must not be compressed.'));
    return;
  }
  next();
}

/**
 * `application/json`, nothing else (not `+json`, not a type the client merely mentions), and
 * UTF-8 (RFC 8259): a parser told another charset would decode it, and text in another
 * encoding can smuggle characters past checks written for UTF-8.
 */
export function isJsonUtf8(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [mediaType, ...parameters] = contentType.split(';');
  if (mediaType.trim().toLowerCase() !== 'application/json') return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(`;${parameters.join(';')}`)?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

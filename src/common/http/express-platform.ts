import type { NextFunction, Request, Response } from 'express';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { InFlightRequests } from './in-flight-requests';
import { PROBLEM_CONTENT_TYPE } from '../problem-details/problem-details';
import { REQUEST_ID_HEADER, newRequestId, safeClientRequestId } from './request-id';

/**
 * Express-specific middleware. Everything that touches the raw Express request lives here, in
 * request-pipeline.ts and in the headers layer (src/security/headers/security-headers.middleware.ts),
 * so a Fastify adapter can replace these few functions and leave the other layers be.
 */

/** Gives every request a new id of ours, keeps the client's (if log-safe) beside it. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const id = newRequestId();
  const tagged = req as Request & { id: string; clientRequestId?: string };
  tagged.id = id;
  tagged.clientRequestId = safeClientRequestId(req.headers['x-request-id']);
  res.setHeader(REQUEST_ID_HEADER, id);
  next();
}

/**
 * Counts the request until its response is finished or its connection closes. Once shutdown
 * began, a request that still arrives on a keep-alive connection is served and ends its
 * connection; once the drain is over, it is answered 503 with `Connection: close` and
 * Retry-After: another instance, or this one restarted, serves it.
 */
export function inFlightMiddleware(inFlight: InFlightRequests) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (inFlight.closing) res.setHeader('Connection', 'close');
    if (inFlight.refusing) {
      res.setHeader('Connection', 'close');
      res.setHeader('Retry-After', '5');
      res.status(503).type(PROBLEM_CONTENT_TYPE).send(SHUTTING_DOWN_BODY);
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

/** A request that carries a body must say it is JSON; anything else is 415 before parsing. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (hasBody && (!req.is('application/json') || !isUtf8(req.headers['content-type']))) {
    next(new UnsupportedMediaTypeException('Request bodies must be application/json in UTF-8.'));
    return;
  }
  next();
}

/**
 * JSON is UTF-8 (RFC 8259). The parser would also decode UTF-16 or UTF-32 when told to, and
 * text in another encoding can smuggle characters past checks written for UTF-8.
 */
function isUtf8(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

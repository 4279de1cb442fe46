import { randomUUID } from 'node:crypto';

/** A client-supplied request id is kept (as the client's, never as ours) only if log-safe. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * The server's id for a request is always its own: a client that chose it could take another
 * request's id (an admin's login) in the logs and the audit trail. What the client sent is
 * kept beside it, as `clientRequestId`, so its traces can still be joined with ours.
 */
export function newRequestId(): string {
  return randomUUID();
}

export function safeClientRequestId(clientValue: unknown): string | undefined {
  return typeof clientValue === 'string' && SAFE_REQUEST_ID.test(clientValue)
    ? clientValue
    : undefined;
}

/**
 * The client's id, as the request-id middleware noted it: on the request itself on Express, on
 * the raw request (which middleware sees) behind Fastify's request.
 */
export function clientRequestIdOf(request: object): string | null {
  const req = request as { clientRequestId?: unknown; raw?: { clientRequestId?: unknown } };
  const id = req.clientRequestId ?? req.raw?.clientRequestId;
  return typeof id === 'string' ? id : null;
}

/** Both Express (set by our middleware) and Fastify (genReqId) keep the id on `request.id`. */
export function requestIdOf(request: object): string {
  const id = (request as { id?: unknown }).id;
  return typeof id === 'string' ? id : 'unknown';
}

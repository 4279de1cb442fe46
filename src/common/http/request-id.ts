import { randomUUID } from 'node:crypto';

/** A client-supplied request id is echoed only if it is a short, log-safe token. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

export function chooseRequestId(clientValue: unknown): string {
  return typeof clientValue === 'string' && SAFE_REQUEST_ID.test(clientValue)
    ? clientValue
    : randomUUID();
}

/** Both Express (set by our middleware) and Fastify keep the id on `request.id`. */
export function requestIdOf(request: object): string {
  const id = (request as { id?: unknown }).id;
  return typeof id === 'string' ? id : 'unknown';
}

import { ExecutionContext, Injectable, NestMiddleware, createParamDecorator } from '@nestjs/common';

const ARRIVED_AT = Symbol('apiKeyRequestArrivedAt');

type WithArrival = { [ARRIVED_AT]?: number; raw?: { [ARRIVED_AT]?: number } };

/**
 * Notes when a rotation request arrived, before any guard touches the database. A rotation
 * answers for the key as it was then: one that another request committed in the meantime
 * makes this one stale (409). Works on Express and on Fastify (the note is on the raw request).
 */
@Injectable()
export class RequestArrivalMiddleware implements NestMiddleware {
  use(request: object, _response: unknown, next: () => void): void {
    (request as WithArrival)[ARRIVED_AT] = Date.now();
    next();
  }
}

/** When the request arrived (see RequestArrivalMiddleware); now, where the middleware did not run. */
export const RequestArrivedAt = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Date => {
    const request = context.switchToHttp().getRequest<WithArrival>();
    return new Date(request[ARRIVED_AT] ?? request.raw?.[ARRIVED_AT] ?? Date.now());
  },
);

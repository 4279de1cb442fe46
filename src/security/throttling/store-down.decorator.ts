import { ExecutionContext, SetMetadata } from '@nestjs/common';

const KEY = 'throttling:answer-when-store-down';

/**
 * For a route that does no work, such as a liveness probe: limited as usual while the counter
 * store answers, but answered (not refused with 503) while the store is down, so an orchestrator
 * does not restart a healthy process because Redis is away. Never put it on a route that writes
 * or reads data: everywhere else an unavailable store fails closed.
 */
export const AnswerWhenStoreDown = (): MethodDecorator => SetMetadata(KEY, true);

export function answersWhenStoreDown(context: ExecutionContext): boolean {
  return Reflect.getMetadata(KEY, context.getHandler()) === true;
}

import { ExecutionContext, SetMetadata } from '@nestjs/common';

/** Sensitive business flows with their own, stricter limits (API6:2023). */
export type RateLimitFlow = 'login' | 'register' | 'api-key-issue';

const FLOW_KEY = 'throttling:flow';

/** Marks a route as part of a sensitive flow, so that flow's named limit applies to it. */
export const RateLimitedFlow = (flow: RateLimitFlow): MethodDecorator =>
  SetMetadata(FLOW_KEY, flow);

export function flowOf(context: ExecutionContext): RateLimitFlow | undefined {
  return Reflect.getMetadata(FLOW_KEY, context.getHandler()) as RateLimitFlow | undefined;
}

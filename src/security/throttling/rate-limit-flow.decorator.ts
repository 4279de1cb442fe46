import { ExecutionContext, SetMetadata } from '@nestjs/common';

/** Sensitive business flows with their own, stricter limits (API6:2023). */
export type RateLimitFlow = 'login' | 'register' | 'api-key-issue';

const FLOW_KEY = 'throttling:flow';

/** Marks a route as part of a sensitive flow, so that flow's named limit applies to it. */
export const RateLimitedFlow = (flow: RateLimitFlow): MethodDecorator =>
  SetMetadata(FLOW_KEY, flow);

export function flowOf(context: ExecutionContext): RateLimitFlow | undefined {
  return flowOfHandler(context.getHandler());
}

/** The flow of a route handler (for documentation: which named limits it answers with). */
export function flowOfHandler(handler: object): RateLimitFlow | undefined {
  return Reflect.getMetadata(FLOW_KEY, handler) as RateLimitFlow | undefined;
}

/** The named limit each flow adds to the route's responses (see buildThrottlerOptions). */
export const FLOW_THROTTLER: Record<RateLimitFlow, string> = {
  login: 'login-ip',
  register: 'register-ip',
  'api-key-issue': 'api-key-issue',
};

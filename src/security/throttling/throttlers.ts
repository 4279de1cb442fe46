import { ExecutionContext } from '@nestjs/common';
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { Principal, identityOf } from '../authorization/principal';
import { CounterStorage } from './counter-storage';
import { flowOf } from './rate-limit-flow.decorator';
import { IP_WINDOW_MS, countedBeforeRouting } from './pre-routing-ip.limiter';
import type { RateLimits } from './throttling.options';

const MINUTE = 60_000;

function principalOf(context: ExecutionContext): Principal | undefined {
  return context.switchToHttp().getRequest<{ user?: Principal }>().user;
}

/** user:<id> or key:<api-key id>: the identity a post-authentication limit counts against. */
export function identityTracker(req: { user?: Principal }): string {
  const { type, id } = identityOf(req.user);
  return type === 'anonymous' ? type : `${type === 'user' ? 'user' : 'key'}:${id}`;
}

function identityLimit(limits: RateLimits, principal: Principal | undefined): number {
  if (!principal) return limits.perIpPerMinute;
  if (principal.kind === 'user') return limits.perRolePerMinute[principal.role];
  return principal.rateLimitPerMinute ?? limits.perApiKeyPerMinute;
}

/**
 * Every named limit of the app. Keys are `<throttler>:<tracker>`, not per route: a client's
 * budget is shared across all routes, as "600 requests a minute" means to an operator.
 */
export function buildThrottlerOptions(
  limits: RateLimits,
  storage: CounterStorage,
): ThrottlerModuleOptions {
  const onlyFlow = (flow: string) => (ctx: ExecutionContext) => flowOf(ctx) !== flow;
  return {
    storage,
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    throttlers: [
      {
        name: 'ip',
        ttl: IP_WINDOW_MS,
        limit: limits.perIpPerMinute,
        // Already counted in front of the parser (pre-routing-ip.limiter.ts): once is enough.
        skipIf: (ctx) => countedBeforeRouting(ctx.switchToHttp().getRequest<object>()),
      },
      {
        name: 'login-ip',
        ttl: 15 * MINUTE,
        limit: limits.loginPerIpPer15Minutes,
        skipIf: onlyFlow('login'),
      },
      {
        name: 'register-ip',
        ttl: 60 * MINUTE,
        limit: limits.registerPerIpPerHour,
        skipIf: onlyFlow('register'),
      },
      {
        name: 'identity',
        ttl: MINUTE,
        limit: (ctx: ExecutionContext) => identityLimit(limits, principalOf(ctx)),
        skipIf: (ctx) => principalOf(ctx) === undefined,
        getTracker: identityTracker,
      },
      {
        name: 'api-key-issue',
        ttl: 60 * MINUTE,
        limit: limits.apiKeyIssuePerHour,
        skipIf: (ctx) => principalOf(ctx) === undefined || flowOf(ctx) !== 'api-key-issue',
        getTracker: identityTracker,
      },
    ],
  };
}

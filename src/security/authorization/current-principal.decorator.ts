import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Principal } from './principal';

/** The authenticated caller, as the authentication guard left it on the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<{ user?: Principal }>().user;
    // Only reachable on a route the guards let through, so a principal is always present.
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);

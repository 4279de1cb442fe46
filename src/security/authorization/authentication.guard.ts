import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { readPolicy } from './route-policy';
import { UnauthenticatedProblem } from './unauthenticated.problem';

/** Runs one passport strategy and turns any failure into the uniform 401. */
function strategyGuard(strategy: string) {
  return class extends AuthGuard(strategy) {
    override handleRequest<T>(err: unknown, user: T | false | null): T {
      if (err) throw err; // infrastructure failure (e.g. database down): a 500, not a 401
      if (!user) throw new UnauthenticatedProblem();
      return user;
    }
  };
}

const JwtGuard = strategyGuard('jwt');
const ApiKeyGuard = strategyGuard('api-key');

/**
 * Global, first of the auth guards: default deny. Every route needs a valid credential unless
 * it is marked @Public(). The credential kind is chosen by the header present: X-API-Key for
 * applications, Authorization: Bearer for people. Both at once is ambiguous and refused.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly jwt = new JwtGuard();
  private readonly apiKey = new ApiKeyGuard();

  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (readPolicy(this.reflector, context.getHandler(), context.getClass()).isPublic) return true;
    const headers = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers;
    const hasKey = headers['x-api-key'] !== undefined;
    const hasBearer = headers.authorization !== undefined;
    if (hasKey && hasBearer) throw new UnauthenticatedProblem();
    return (await (hasKey ? this.apiKey : this.jwt).canActivate(context)) as boolean;
  }
}

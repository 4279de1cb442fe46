import { CanActivate, ExecutionContext, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Strategy } from 'passport-strategy';
import { ApiKeyStrategy } from '../api-key/api-key.strategy';
import { JwtStrategy } from '../jwt/jwt.strategy';
import type { Principal } from './principal';
import { readPolicy } from './route-policy';
import { runStrategy } from './run-strategy';
import { UnauthenticatedProblem } from './unauthenticated.problem';

/**
 * Global, before the route's policy: default deny. Every route needs a valid credential unless
 * it is marked @Public(). The header present picks the credential: X-API-Key for applications
 * (passport-headerapikey), Authorization: Bearer for people (passport-jwt). Both at once is
 * ambiguous and refused. Any failure is the same 401.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate, OnModuleInit {
  private jwt?: Strategy;
  private apiKey?: Strategy;

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The strategies of this app (looked up, so this module needs no import of theirs). */
  onModuleInit(): void {
    this.jwt = this.moduleRef.get(JwtStrategy, { strict: false });
    this.apiKey = this.moduleRef.get(ApiKeyStrategy, { strict: false });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (readPolicy(this.reflector, context.getHandler(), context.getClass()).isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; user?: Principal }>();
    const hasKey = request.headers['x-api-key'] !== undefined;
    const hasBearer = request.headers.authorization !== undefined;
    if (hasKey && hasBearer) throw new UnauthenticatedProblem();
    const strategy = hasKey ? this.apiKey : this.jwt;
    const principal = strategy ? await runStrategy<Principal>(strategy, request) : false;
    if (!principal) throw new UnauthenticatedProblem();
    request.user = principal;
    return true;
  }
}

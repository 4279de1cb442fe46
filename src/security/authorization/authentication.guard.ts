import { CanActivate, ExecutionContext, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Strategy } from 'passport-strategy';
import {
  AUTHORIZATION_OPTIONS,
  AuthorizationOptions,
  CredentialSource,
} from './authorization.options';
import { AuthenticationRefusal, refusal, refusalOf } from './authentication-refusal';
import type { Principal } from './principal';
import { readPolicy } from './route-policy';
import { runStrategy } from './run-strategy';
import { TWO_CREDENTIALS_DETAIL, UnauthenticatedProblem } from './unauthenticated.problem';

/** A configured credential with its strategy instance, resolved at start. */
interface ResolvedSource {
  header: string;
  strategy: Strategy;
  /** The credential's name in the audit details and metrics (`kind`, else the header). */
  credential: string;
}

/**
 * Global, before the route's policy: default deny. Every route needs a valid credential unless
 * it is marked @Public(). The header present picks the credential (`credentials` setting, e.g.
 * X-API-Key for applications, Authorization: Bearer for people); more than one of them is
 * ambiguous and refused. Any failure is the same 401.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate, OnModuleInit {
  /** Empty until init: every non-public request is refused until the strategies are known. */
  private sources: readonly ResolvedSource[] = [];

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @Inject(AUTHORIZATION_OPTIONS) private readonly options: AuthorizationOptions,
  ) {}

  /**
   * Looks the configured strategies up in the host (so this module imports none of them). A
   * strategy the host does not provide fails the start rather than answering 401 forever.
   */
  onModuleInit(): void {
    // The list itself was checked at start (validateAuthorizationOptions).
    this.sources = this.options.credentials.map(({ header, strategy, kind }) => {
      const name = header.toLowerCase();
      return { header: name, strategy: this.resolve(name, strategy), credential: kind ?? name };
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (readPolicy(this.reflector, context.getHandler(), context.getClass()).isPublic) return true;
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, unknown>; user?: Principal }>();
    const present = this.sources.filter(({ header }) => request.headers[header] !== undefined);
    // None: anonymous. More than one: which one speaks for the caller is ambiguous.
    if (present.length > 1) {
      throw refused(new UnauthenticatedProblem(TWO_CREDENTIALS_DETAIL), 'several', {
        refused: 'two_credentials',
      });
    }
    if (present.length === 0) {
      throw refused(new UnauthenticatedProblem(), 'none', refusal('no_credential'));
    }
    const source = present[0];
    let why: AuthenticationRefusal = refusal('bad_token');
    const principal = await runStrategy<Principal>(source.strategy, request, (info) => {
      why = refusalOf(info);
    });
    if (!principal) throw refused(new UnauthenticatedProblem(), source.credential, why);
    request.user = principal;
    return true;
  }

  private resolve(header: string, token: CredentialSource['strategy']): Strategy {
    const label = typeof token === 'function' ? token.name : String(token);
    let instance: unknown;
    try {
      instance = this.moduleRef.get(token, { strict: false });
    } catch (cause) {
      throw new Error(
        `AuthorizationModule: the strategy ${label} for the "${header}" header is not provided ` +
          `by any module of the app: add it to the providers of a module the app imports.`,
        { cause },
      );
    }
    if (typeof (instance as Partial<Strategy> | null)?.authenticate !== 'function') {
      throw new Error(
        `AuthorizationModule: ${label} for the "${header}" header is not a passport strategy.`,
      );
    }
    return instance as Strategy;
  }
}

/** The same 401 for the caller; the audit log and the metrics learn which check failed. */
function refused(
  problem: UnauthenticatedProblem,
  credential: string,
  why: AuthenticationRefusal,
): UnauthenticatedProblem {
  problem.auditDetails = { credential, refusal: why.refused };
  if (why.keyId !== undefined) problem.auditDetails.keyId = why.keyId;
  return problem;
}

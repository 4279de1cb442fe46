import type { Type } from '@nestjs/common';
import type { Strategy } from 'passport-strategy';
import { OptionProblems } from '../../common/options/option-problems';

/** One way to prove who is calling: a request header and the passport strategy that reads it. */
export interface CredentialSource {
  /** The header whose presence selects this strategy, e.g. `x-api-key` (any case). */
  header: string;
  /** Class token of a passport strategy provided by some module of the host (one instance). */
  strategy: Type<Strategy>;
}

/** Settings of the authorization layer (see README "Settings"). */
export interface AuthorizationOptions {
  /** The credentials the app accepts; a request must carry exactly one of these headers. */
  credentials: CredentialSource[];
}

/** Injection token of the options. */
export const AUTHORIZATION_OPTIONS = Symbol('AUTHORIZATION_OPTIONS');

/** Fails closed: no credential at all, or two sources on one header, would be ambiguous. */
export function validateAuthorizationOptions(options: AuthorizationOptions): void {
  const check = new OptionProblems('AuthorizationModule');
  const sources: unknown = options.credentials;
  if (!Array.isArray(sources) || sources.length === 0) {
    check.add('credentials', 'must name at least one { header, strategy }');
    return check.throwIfAny();
  }
  const headers = (sources as CredentialSource[]).map((s) => s.header?.toLowerCase?.());
  if (headers.some((h) => typeof h !== 'string' || !/^[a-z0-9-]+$/.test(h))) {
    check.add('credentials', 'each needs a header name like x-api-key');
  } else if (new Set(headers).size !== headers.length) {
    check.add('credentials', 'must not name one header twice');
  }
  if ((sources as CredentialSource[]).some((s) => typeof s.strategy !== 'function')) {
    check.add('credentials', 'each needs a passport strategy class');
  }
  check.throwIfAny();
}

import type { Type } from '@nestjs/common';
import type { Strategy } from 'passport-strategy';
import { OptionProblems } from '../../common/options/option-problems';

/** One way to prove who is calling: a request header and the passport strategy that reads it. */
export interface CredentialSource {
  /** The header whose presence selects this strategy, e.g. `x-api-key` (any case). */
  header: string;
  /** Class token of a passport strategy provided by some module of the host (one instance). */
  strategy: Type<Strategy>;
  /** How the audit details and metrics name this credential when it is refused; default: the header. */
  kind?: string;
}

/** Settings of the authorization layer (see README "Settings"). */
export interface AuthorizationOptions {
  /** The credentials the app accepts; a request must carry exactly one of these headers. */
  credentials: CredentialSource[];
}

/** Injection token of the options. */
export const AUTHORIZATION_OPTIONS = Symbol('AUTHORIZATION_OPTIONS');

/** A header name as HTTP allows it (RFC 9110 token characters). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Fails closed: no credential at all, or two sources on one header, would be ambiguous. */
export function validateAuthorizationOptions(options: AuthorizationOptions): void {
  const check = new OptionProblems('AuthorizationModule');
  const sources: unknown = options.credentials;
  if (!Array.isArray(sources) || sources.length === 0) {
    check.add('credentials', 'must name at least one header');
    return check.throwIfAny();
  }
  const seen = new Set<string>();
  for (const { header, strategy } of sources as Partial<CredentialSource>[]) {
    const name = typeof header === 'string' ? header.toLowerCase() : '';
    if (!HEADER_NAME.test(name))
      check.add('credentials', `${JSON.stringify(header)} is not a header name`);
    else if (seen.has(name)) check.add('credentials', `the header "${name}" is configured twice`);
    seen.add(name);
    if (typeof strategy !== 'function')
      check.add('credentials', `"${name}" needs a passport strategy class`);
  }
  check.throwIfAny();
}

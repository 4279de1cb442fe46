import { OptionProblems } from '../../common/options/option-problems';

/** Settings of the security-headers layer (see README "Settings"). */
export interface SecurityHeadersOptions {
  /** Origins (scheme://host[:port], exact match) whose pages may read responses; empty: none. */
  corsOrigins: readonly string[];
  /** Path of the API docs page, e.g. `/docs`: it and its sub-paths get the Swagger UI CSP. */
  docsPath?: string;
  /** Response headers allowed origins may read besides X-Request-Id and Retry-After. */
  exposedHeaders?: readonly string[];
}

/** Injection token of the options. */
export const SECURITY_HEADERS_OPTIONS = Symbol('SECURITY_HEADERS_OPTIONS');

/** An exact origin: scheme, host and an optional port, nothing after it. */
const ORIGIN = /^https?:\/\/[^/\s*]+$/;

/**
 * Fails closed: `*` (or a pattern) would let every site read answers; a docs path that is not
 * a path would give some other route the Swagger UI's looser CSP.
 */
export function validateSecurityHeadersOptions(options: SecurityHeadersOptions): void {
  const check = new OptionProblems('SecurityHeadersModule');
  const origins: unknown = options.corsOrigins;
  if (!Array.isArray(origins)) check.add('corsOrigins', 'must be a list of origins (empty: none)');
  else {
    for (const origin of origins as unknown[]) {
      if (typeof origin !== 'string' || !ORIGIN.test(origin)) {
        check.add(
          'corsOrigins',
          `must hold exact origins like https://app.example (got ${String(origin)})`,
        );
      }
    }
  }
  if (options.docsPath !== undefined && !/^\/[\w-]+$/.test(options.docsPath)) {
    check.add('docsPath', `must be a path like /docs (got ${String(options.docsPath)})`);
  }
  check.throwIfAny();
}

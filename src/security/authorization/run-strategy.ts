import type { Strategy } from 'passport-strategy';

/**
 * Runs one passport strategy instance on a request, the way passport.authenticate() does, but
 * without passport's process-wide registry: with it, every app in a process shares one
 * strategy per name, and the last app created (its key, its database) answers for all of them.
 * Resolves the user on success, false on failure (after handing `onFailure` what the strategy
 * said, its reason); rejects on an infrastructure error.
 */
export function runStrategy<T>(
  strategy: Strategy,
  request: object,
  onFailure: (info: unknown) => void = () => undefined,
): Promise<T | false> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Strategy & {
      success(user: T): void;
      fail(info?: unknown): void;
      error(error: unknown): void;
      pass(): void;
      redirect(): void;
    };
    attempt.success = (user: T) => resolve(user);
    attempt.fail = (info?: unknown) => {
      onFailure(info);
      resolve(false);
    };
    attempt.pass = () => resolve(false);
    attempt.redirect = () => resolve(false);
    attempt.error = (error) => reject(error instanceof Error ? error : new Error(String(error)));
    attempt.authenticate(request as never, {});
  });
}

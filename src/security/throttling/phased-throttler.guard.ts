import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyRequestsProblem } from './too-many-requests.problem';
import { RateLimitStoreUnavailableProblem } from './redis.storage';
import { answersWhenStoreDown } from './store-down.decorator';

/**
 * A ThrottlerGuard that applies only some of the named throttlers, so one set can run before
 * authentication and another after it. Over the limit: 429 problem+json with a plain
 * Retry-After header (the throttler's own is suffixed with the throttler name) and the limit's
 * X-RateLimit-* headers, which the base guard only sets on requests it lets through.
 */
@Injectable()
export abstract class PhasedThrottlerGuard extends ThrottlerGuard {
  protected abstract readonly phase: readonly string[];

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((t) => this.phase.includes(t.name ?? 'default'));
  }

  /** The store down: 503 (fail closed), except on routes marked @AnswerWhenStoreDown. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (error instanceof RateLimitStoreUnavailableProblem && answersWhenStoreDown(context)) {
        return true;
      }
      if (error instanceof RateLimitStoreUnavailableProblem) {
        // As for 429: the layer alone answers Retry-After too.
        const res = context.switchToHttp().getResponse<Record<string, unknown>>();
        this.setResponseHeader(res, 'Retry-After', error.headers['Retry-After']);
      }
      throw error;
    }
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // Keys are `<throttler>:<tracker>` (throttling.options.ts); no per-request state on the guard,
    // which serves concurrent requests.
    const name = detail.key.slice(0, detail.key.indexOf(':'));
    const res = context.switchToHttp().getResponse<Record<string, unknown>>();
    this.setResponseHeader(res, `${this.headerPrefix}-Limit-${name}`, detail.limit);
    this.setResponseHeader(res, `${this.headerPrefix}-Remaining-${name}`, 0);
    this.setResponseHeader(res, `${this.headerPrefix}-Reset-${name}`, detail.timeToExpire);
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    // Set here too, not only by the problem filter, so the layer alone answers Retry-After.
    this.setResponseHeader(res, 'Retry-After', retryAfter);
    throw new TooManyRequestsProblem(retryAfter, name);
  }
}

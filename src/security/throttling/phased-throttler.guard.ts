import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyRequestsProblem } from './too-many-requests.problem';

/**
 * A ThrottlerGuard that applies only some of the named throttlers, so one set can run before
 * authentication and another after it. Over the limit: 429 problem+json with a plain
 * Retry-After header (the throttler's own is suffixed with the throttler name).
 */
@Injectable()
export abstract class PhasedThrottlerGuard extends ThrottlerGuard {
  protected abstract readonly phase: readonly string[];
  private currentName = '';

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter((t) => this.phase.includes(t.name ?? 'default'));
  }

  protected override async handleRequest(
    requestProps: Parameters<ThrottlerGuard['handleRequest']>[0],
  ): Promise<boolean> {
    this.currentName = requestProps.throttler.name ?? 'default';
    return super.handleRequest(requestProps);
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsProblem(Math.max(1, detail.timeToBlockExpire), this.currentName);
  }
}

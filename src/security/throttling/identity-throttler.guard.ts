import { Injectable } from '@nestjs/common';
import { PhasedThrottlerGuard } from './phased-throttler.guard';
import { POST_AUTH_THROTTLERS } from './throttler-names';

/** Runs after the auth guards: limits per user id or API-key id, whatever IP they come from. */
@Injectable()
export class IdentityThrottlerGuard extends PhasedThrottlerGuard {
  protected readonly phase = POST_AUTH_THROTTLERS;
}

import { Injectable } from '@nestjs/common';
import { PhasedThrottlerGuard } from './phased-throttler.guard';
import { PRE_AUTH_THROTTLERS } from './throttler-names';

/**
 * First guard of the app: limits per client IP (req.ip, which honours TRUST_PROXY and nothing
 * else), before authentication, so failed logins and bad keys are counted too.
 */
@Injectable()
export class ClientIpThrottlerGuard extends PhasedThrottlerGuard {
  protected readonly phase = PRE_AUTH_THROTTLERS;
}

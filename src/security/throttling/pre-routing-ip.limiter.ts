import { Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { COUNTER_STORAGE, CounterStorage } from './counter-storage';
import { TooManyRequestsProblem } from './too-many-requests.problem';
import { THROTTLING_OPTIONS, ThrottlingOptions } from './throttling.options';

/** The per-IP window, shared with the guard's `ip` throttler (one budget per client). */
export const IP_WINDOW_MS = 60_000;

const COUNTED = Symbol('counted per IP before routing');

interface RawRequest {
  ip?: string;
  [COUNTED]?: true;
}
interface RawResponse {
  setHeader(name: string, value: string | number): unknown;
}

/**
 * The per-IP limit, applied to every request before the body parser and the router. Guards
 * only see routed requests, so without this a flood of malformed JSON, oversized or non-JSON
 * bodies, unknown paths and preflights was never limited (and each malformed body added an
 * audit row). Same key, window and limit as the guard's `ip` throttler, in the same storage:
 * one budget per client. A request counted here is skipped by that throttler.
 *
 * Install it as platform middleware, after the request id and before the parser:
 * `app.use(app.get(PreRoutingIpLimiter).middleware)`. Without it, the guard counts as before.
 */
@Injectable()
export class PreRoutingIpLimiter {
  constructor(
    @Inject(COUNTER_STORAGE) private readonly storage: CounterStorage,
    @Inject(THROTTLING_OPTIONS) private readonly options: ThrottlingOptions,
  ) {}

  readonly middleware = (req: RawRequest, res: RawResponse, next: (error?: unknown) => void) => {
    this.count(req, res).then(
      (problem) => next(problem),
      // The store is down: leave it to the guard, which answers 503 except where a route
      // (liveness) is marked to answer anyway.
      () => next(),
    );
  };

  private async count(
    req: RawRequest,
    res: RawResponse,
  ): Promise<TooManyRequestsProblem | undefined> {
    const limit = this.options.limits.perIpPerMinute;
    const record = await this.storage.increment(
      // The guard's own tracker (an IPv6 client counts per /64), so the keys are the same.
      `ip:${normalizeIp(req.ip ?? '')}`,
      IP_WINDOW_MS,
      limit,
      IP_WINDOW_MS,
      'ip',
    );
    req[COUNTED] = true;
    res.setHeader('X-RateLimit-Limit-ip', limit);
    res.setHeader('X-RateLimit-Remaining-ip', Math.max(0, limit - record.totalHits));
    res.setHeader('X-RateLimit-Reset-ip', record.timeToExpire);
    if (!record.isBlocked) return undefined;
    const retryAfter = Math.max(1, record.timeToBlockExpire);
    res.setHeader('X-RateLimit-Remaining-ip', 0);
    res.setHeader('Retry-After', retryAfter);
    // As the throttler guard answers: the limit's own Retry-After-<name> too.
    res.setHeader('Retry-After-ip', retryAfter);
    return new TooManyRequestsProblem(retryAfter, 'ip');
  }
}

/**
 * True when the pre-routing limiter already counted this request against its IP. The mark is on
 * the request middleware saw: Express's request itself, or the raw one behind Fastify's.
 */
export function countedBeforeRouting(request: object): boolean {
  const req = request as RawRequest & { raw?: RawRequest };
  return req[COUNTED] === true || req.raw?.[COUNTED] === true;
}

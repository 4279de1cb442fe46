import type Redis from 'ioredis';
import { CounterStorage, StorageRecord, msToSeconds } from './counter-storage';
import { ServiceUnavailableProblem } from '../../common/problem-details/service-unavailable';

/**
 * Redis down, or too slow to answer: the limit cannot be checked, so the request is refused
 * (fail closed) with 503 + Retry-After, never a 500 and never let through unlimited.
 */
export class RateLimitStoreUnavailableProblem extends ServiceUnavailableProblem {
  constructor(readonly reason: string) {
    super('The rate-limit store is unavailable; retry later.');
  }
}

async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new RateLimitStoreUnavailableProblem(
      error instanceof Error ? error.message : String(error),
    );
  }
}

/**
 * One atomic step per request: count, start the window on the first hit, block past the limit.
 * A read-then-write from Node would let concurrent requests on several instances slip past the
 * limit (nestjs/throttler #1303); inside one Lua script Redis runs it as a unit.
 * KEYS[1] counter, KEYS[2] block marker; ARGV ttl ms, limit, block ms.
 */
const INCREMENT = `
local blockedFor = redis.call('PTTL', KEYS[2])
if blockedFor > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  local ttl = redis.call('PTTL', KEYS[1])
  return { hits, ttl, 1, blockedFor }
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return { hits, ttl, 1, tonumber(ARGV[3]) }
end
return { hits, ttl, 0, 0 }
`;

export class RedisCounterStorage implements CounterStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'weather-api:rl:',
  ) {
    this.redis.defineCommand('rateLimitIncrement', { numberOfKeys: 2, lua: INCREMENT });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName?: string,
  ): Promise<StorageRecord> {
    const counter = `${this.prefix}${key}`;
    const run = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<number[]>>)
      .rateLimitIncrement;
    const [hits, ttlMs, blocked, blockMs] = await orUnavailable(() =>
      run.call(this.redis, counter, `${counter}:blocked`, ttl, limit, blockDuration),
    );
    return {
      totalHits: hits,
      timeToExpire: msToSeconds(ttlMs),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? msToSeconds(blockMs) : 0,
    };
  }

  /** Only a live counter is decremented: DECR on a missing key would create one without expiry. */
  async decrement(key: string): Promise<void> {
    await orUnavailable(() =>
      this.redis.eval(
        "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0",
        1,
        `${this.prefix}${key}`,
      ),
    );
  }
}

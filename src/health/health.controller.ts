import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { RedisHealthIndicator } from '../redis/redis.health';
import { Public } from '../security/authorization/policy.decorators';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceUnavailableProblem } from '../common/problem-details/service-unavailable';
import { AnswerWhenStoreDown } from '../security/throttling/store-down.decorator';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';

/** Liveness (the process answers) and readiness (the database answers). Public by design. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  // Depends on nothing: answered even while Redis (the rate-limit store) is down.
  @Get('live')
  @AnswerWhenStoreDown()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  // Answered while Redis is down too, so the answer can say that it is (details.redis).
  @Get('ready')
  @AnswerWhenStoreDown()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database (and Redis, when configured) answer a ping' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: 2000 }),
        ...(this.redis.configured ? [() => this.redis.ping('redis')] : []),
      ]);
    } catch (error) {
      throw notReady(error);
    }
  }
}

/** Terminus's 503 as problem+json that names what is down (only names, never driver text). */
function notReady(error: unknown): unknown {
  if (!(error instanceof ServiceUnavailableException)) return error;
  const body = error.getResponse() as { error?: Record<string, unknown> };
  const down = Object.keys(body.error ?? {}).sort();
  return new ServiceUnavailableProblem(
    `Not ready: ${down.join(', ') || 'a dependency'} unavailable.`,
  );
}

import { Controller, Get } from '@nestjs/common';
import { RedisHealthIndicator } from '../redis/redis.health';
import { Public } from '../security/authorization/policy.decorators';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database (and Redis, when configured) answer a ping' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 2000 }),
      ...(this.redis.configured ? [() => this.redis.ping('redis')] : []),
    ]);
  }
}

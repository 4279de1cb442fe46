import { Controller, Get } from '@nestjs/common';
import { RedisHealthIndicator } from '../redis/redis.health';
import { AuditHealthIndicator } from '../security/audit/audit.health';
import { Public } from '../security/authorization/policy.decorators';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
    private readonly audit: AuditHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({
    description: 'The process answers (it depends on nothing else)',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
      additionalProperties: false,
    },
  })
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
      // Queued, dropped and quarantined audit records: a gap in the log is never silent.
      () => this.audit.check('audit'),
    ]);
  }
}

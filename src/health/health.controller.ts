import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { RedisHealthIndicator } from '../redis/redis.health';
import { AuditHealthIndicator } from '../security/audit/audit.health';
import { MailHealthIndicator } from '../mail/mail.health';
import { Public } from '../security/authorization/policy.decorators';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
    private readonly audit: AuditHealthIndicator,
    private readonly mail: MailHealthIndicator,
  ) {}

  // Depends on nothing: answered even while Redis (the rate-limit store) is down.
  @Get('live')
  @AnswerWhenStoreDown()
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
        // Queued, dropped and quarantined audit records: a gap in the log is never silent.
        () => this.audit.check('audit'),
        // Queued, sent, failed and dropped mail: lost reset links show here.
        () => this.mail.check('mail'),
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

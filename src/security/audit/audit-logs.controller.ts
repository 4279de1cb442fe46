import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { Credentials, RequiresMfa, Roles } from '../authorization/policy.decorators';
import { AuditLogEntry } from './audit-log.entity';
import { auditLogPage } from './audit-log.page';
import { AuditVerifier } from './audit-verifier.service';
import { AuditLogQuery } from './dto/audit-log.query';
import { VerifyQuery } from './dto/verify.query';
import { AuditLogPage, AuditLogRecord, ChainVerificationResponse } from './dto/audit-log.response';

/** Reading the audit log and checking its chain: admins only, people only. */
@ApiTags('audit')
@ApiProblems(500)
@Credentials('user')
@Roles('admin')
@RequiresMfa() // the log tells who did what: a stolen password alone must not read it
@UseGuards(AuthorizationGuard) // see AuditEndpointsModule: refused, not opened, without our guards
@Controller('v1/audit-logs')
export class AuditLogsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly verifier: AuditVerifier,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Audit records, newest first (filters: actor, action, traceId, outcome, from, to)',
  })
  @ApiOkResponse({ type: AuditLogPage })
  @ApiProblems(400)
  async list(@Query() q: AuditLogQuery): Promise<AuditLogPage> {
    const qb = this.dataSource.getRepository(AuditLogEntry).createQueryBuilder('a');
    if (q.actor) qb.andWhere('a.actorId = :actor', { actor: q.actor });
    if (q.action) qb.andWhere('a.action = :action', { action: q.action });
    if (q.traceId) qb.andWhere('a.traceId = :traceId', { traceId: q.traceId });
    if (q.outcome) qb.andWhere('a.outcome = :outcome', { outcome: q.outcome });
    return auditLogPage(qb, q, (row) => AuditLogRecord.from(row));
  }

  @Get('verify')
  @ApiOperation({
    summary:
      'Recompute the hash chain over a bounded range (follow nextFrom); names the first record that does not match, and reports dropped and quarantined records',
  })
  @ApiOkResponse({ type: ChainVerificationResponse })
  @ApiProblems(400)
  verify(@Query() q: VerifyQuery): Promise<ChainVerificationResponse> {
    return this.verifier.verify({ from: q.from, limit: q.limit });
  }
}

import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource, In } from 'typeorm';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { AuditLogEntry } from '../audit/audit-log.entity';
import { auditLogPage } from '../audit/audit-log.page';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { Credentials, RequiresMfa, Roles } from '../authorization/policy.decorators';
import { SecurityAlertQuery } from './dto/security-alert.query';
import { SecurityAlertPage, SecurityAlertRecord } from './dto/security-alert.response';
import { ALERT_TYPES, alertAction } from './security-alert';

/**
 * The alerts the detection rules raised, newest first: they are audit records
 * (`security.alert.<type>`), so every instance's alerts are here, chained and tamper-evident.
 * Admins only, people only, and like the audit log a second factor when the admin has one:
 * the evidence says who was attacked and from where.
 */
@ApiTags('security')
@ApiProblems(500)
@Credentials('user')
@Roles('admin')
@RequiresMfa()
@UseGuards(AuthorizationGuard) // refused, not opened, by a host without our global guards
@Controller('v1/security/alerts')
export class SecurityAlertsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Security alerts, newest first (filters: type, from, to)' })
  @ApiOkResponse({ type: SecurityAlertPage })
  @ApiProblems(400)
  async list(@Query() q: SecurityAlertQuery): Promise<SecurityAlertPage> {
    // The exact actions (the index on action serves them), not a LIKE on a prefix.
    const actions = (q.type ? [q.type] : ALERT_TYPES).map(alertAction);
    const qb = this.dataSource
      .getRepository(AuditLogEntry)
      .createQueryBuilder('a')
      .where({ action: In(actions) });
    return auditLogPage(qb, q, (row) => SecurityAlertRecord.from(row));
  }
}

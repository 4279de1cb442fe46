import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource, In } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { ValidationProblem } from '../../common/problem-details/problem.exception';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { AuditLogEntry } from '../audit/audit-log.entity';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { Credentials, Roles } from '../authorization/policy.decorators';
import { SecurityAlertQuery } from './dto/security-alert.query';
import { SecurityAlertPage, SecurityAlertRecord } from './dto/security-alert.response';
import { ALERT_TYPES, alertAction } from './security-alert';

/**
 * The alerts the detection rules raised, newest first: they are audit records
 * (`security.alert.<type>`), so every instance's alerts are here, chained and tamper-evident.
 * Admins only, people only.
 */
@ApiTags('security')
@ApiProblems(500)
@Credentials('user')
@Roles('admin')
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
    if (q.from) qb.andWhere('a.occurredAt >= :from', { from: q.from });
    if (q.to) qb.andWhere('a.occurredAt < :to', { to: q.to });
    if (q.cursor) {
      const position = decodeCursor(q.cursor, ['id'] as const);
      if (!position || !/^\d{1,19}$/.test(position.id)) {
        throw ValidationProblem.field('cursor', 'cursor is not one this API issued');
      }
      qb.andWhere('a.id < :before', { before: position.id });
    }
    const rows = await qb
      .orderBy('a.id', 'DESC')
      .limit(q.limit + 1)
      .getMany();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => SecurityAlertRecord.from(row)),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ id: last.id }) : null,
    };
  }
}

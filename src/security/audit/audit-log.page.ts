import { SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { ValidationProblem } from '../../common/problem-details/problem.exception';
import { AuditLogEntry } from './audit-log.entity';

/** The time window and page a reader of the audit table asks for. */
export interface AuditLogPageQuery {
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

/**
 * One page of audit records (alias `a` in `qb`, its filters already applied), newest first:
 * the time window, then a keyset on the id (the cursor names the last id seen, so a page never
 * shifts while records are appended). Used by the audit log and by the security alerts.
 */
export async function auditLogPage<T>(
  qb: SelectQueryBuilder<AuditLogEntry>,
  q: AuditLogPageQuery,
  toRecord: (row: AuditLogEntry) => T,
): Promise<{ data: T[]; nextCursor: string | null }> {
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
    data: page.map(toRecord),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ id: last.id }) : null,
  };
}

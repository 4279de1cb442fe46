import { Injectable, NotFoundException } from '@nestjs/common';
import { Repository } from 'typeorm';
import { TransactionContext } from '../../database/transaction-context';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { ConflictProblem, ValidationProblem } from '../../common/problem-details/problem.exception';
import { isUniqueViolation } from '../../database/postgres-errors';
import { CreateObservationDto } from './dto/create-observation.dto';
import { ListObservationsQuery, MAX_RANGE_DAYS } from './dto/list-observations.query';
import { Observation } from './observation.entity';

const DAY_MS = 86_400_000;
const ISSUED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DUPLICATE =
  'The batch repeats a timestamp or one already stored for this station; nothing was written.';

@Injectable()
export class ObservationsService {
  constructor(private readonly tx: TransactionContext) {}

  private get observations(): Repository<Observation> {
    return this.tx.manager.getRepository(Observation);
  }

  /**
   * All or nothing: one multi-row INSERT inside a transaction. A duplicate anywhere rolls the
   * whole batch back and is reported as 409.
   */
  async ingest(stationId: string, items: CreateObservationDto[]): Promise<number> {
    const times = new Set(items.map((i) => i.observedAt.getTime()));
    if (times.size !== items.length) throw new ConflictProblem(DUPLICATE);
    try {
      await this.tx.run((manager) =>
        manager.insert(
          Observation,
          items.map((item) => ({ ...item, stationId })),
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error, 'observations_station_time_key'))
        throw new ConflictProblem(DUPLICATE);
      throw error;
    }
    return items.length;
  }

  /** Keyset pagination on observed_at, which is unique per station. */
  async list(
    stationId: string,
    query: ListObservationsQuery,
  ): Promise<{ items: Observation[]; nextCursor: string | null }> {
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - DAY_MS);
    if (from.getTime() >= to.getTime())
      throw ValidationProblem.field('from', 'from must be before to');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      throw ValidationProblem.field(
        'from',
        `the range from..to must not exceed ${MAX_RANGE_DAYS} days`,
      );
    }
    const after = query.cursor === undefined ? undefined : this.cursorTime(query.cursor);

    const qb = this.observations
      .createQueryBuilder('o')
      .where('o.stationId = :stationId', { stationId })
      .andWhere('o.observedAt >= :from AND o.observedAt < :to', { from, to });
    if (after) qb.andWhere('o.observedAt > :after', { after });
    const rows = await qb
      .orderBy('o.observedAt', 'ASC')
      .limit(query.limit + 1)
      .getMany();

    const items = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    const last = items.at(-1);
    return {
      items,
      nextCursor: hasMore && last ? encodeCursor({ t: last.observedAt.toISOString() }) : null,
    };
  }

  async latest(stationId: string): Promise<Observation> {
    const latest = await this.observations.findOne({
      where: { stationId },
      order: { observedAt: 'DESC' },
    });
    if (!latest) throw new NotFoundException('This station has no observations yet.');
    return latest;
  }

  private cursorTime(cursor: string): Date {
    const position = decodeCursor(cursor, ['t'] as const);
    // Only what list() issues, `toISOString()` of a stored instant: anything else (e.g. year
    // -271821, valid in JS but out of PostgreSQL's range) would fail in SQL as a 500.
    const time = position && ISSUED_INSTANT.test(position.t) ? new Date(position.t) : undefined;
    if (!time || Number.isNaN(time.getTime()) || time.toISOString() !== position?.t) {
      throw ValidationProblem.field('cursor', 'cursor is not one this API issued');
    }
    return time;
  }
}

import { Injectable, NotFoundException } from '@nestjs/common';
import { PreparedStatement } from '../../database/prepared-statement';
import { TransactionContext } from '../../database/transaction-context';
import { decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { ConflictProblem, ValidationProblem } from '../../common/problem-details/problem.exception';
import { isUniqueViolation } from '../../database/postgres-errors';
import { CreateObservationDto } from './dto/create-observation.dto';
import { ListObservationsQuery, MAX_RANGE_DAYS } from './dto/list-observations.query';
import type { ObservationRow } from './observation.entity';

const DAY_MS = 86_400_000;
/** As StationsService answers it: the same 404 whichever route found the station missing. */
const STATION_NOT_FOUND = 'Station not found.';
const ISSUED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DUPLICATE =
  'The batch repeats a timestamp or one already stored for this station; nothing was written.';

/**
 * A station's observations in one round trip with the station itself: no row means no such
 * station (404); one row with a null id, a station with nothing in the range. The station is
 * read for nothing else, so the page needs no query of its own before it.
 */
type StationObservationRow = { stationId: string } & {
  [K in Exclude<keyof ObservationRow, 'stationId'>]: ObservationRow[K] | null;
};

function withStation(name: string, observations: string): PreparedStatement<StationObservationRow> {
  return new PreparedStatement(
    name,
    `SELECT o.id, s.id AS "stationId", o.observed_at AS "observedAt",
            o.temperature_c AS "temperatureC", o.relative_humidity AS "relativeHumidity",
            o.pressure_hpa AS "pressureHpa", o.wind_speed_ms AS "windSpeedMs",
            o.wind_direction_deg AS "windDirectionDeg", o.precipitation_mm AS "precipitationMm"
       FROM stations s
       LEFT JOIN LATERAL (${observations}) o ON true
      WHERE s.id = $1
      ORDER BY o.observed_at`,
  );
}

/** A range page; the keyset variant also starts after the cursor's instant. */
const RANGE = withStation(
  'observations_range',
  `SELECT * FROM observations
    WHERE station_id = s.id AND observed_at >= $2 AND observed_at < $3
    ORDER BY observed_at ASC LIMIT $4`,
);
const RANGE_AFTER = withStation(
  'observations_range_after',
  `SELECT * FROM observations
    WHERE station_id = s.id AND observed_at >= $2 AND observed_at < $3 AND observed_at > $5
    ORDER BY observed_at ASC LIMIT $4`,
);
const LATEST = withStation(
  'observations_latest',
  'SELECT * FROM observations WHERE station_id = s.id ORDER BY observed_at DESC LIMIT 1',
);

/**
 * One statement for one observation or a whole batch: the columns travel as arrays, zipped by
 * unnest, so the text (and its prepared plan) does not depend on the batch size. One statement
 * is atomic on its own: a duplicate anywhere inserts nothing. Missing optional values are NULL.
 */
const INSERT = new PreparedStatement<Record<string, never>>(
  'observations_insert',
  `INSERT INTO observations (station_id, observed_at, temperature_c, relative_humidity,
     pressure_hpa, wind_speed_ms, wind_direction_deg, precipitation_mm)
   SELECT $1, * FROM unnest($2::timestamptz[], $3::float8[], $4::float8[], $5::float8[],
     $6::float8[], $7::float8[], $8::float8[])`,
);

@Injectable()
export class ObservationsService {
  constructor(private readonly tx: TransactionContext) {}

  /**
   * All or nothing: one INSERT, in the request's transaction when one is open (the audit
   * record's). A duplicate anywhere rolls the whole batch back and is reported as 409.
   */
  async ingest(stationId: string, items: CreateObservationDto[]): Promise<number> {
    const times = new Set(items.map((i) => i.observedAt.getTime()));
    if (times.size !== items.length) throw new ConflictProblem(DUPLICATE);
    try {
      await INSERT.rows(this.tx.manager, [
        stationId,
        items.map((i) => i.observedAt),
        items.map((i) => i.temperatureC),
        items.map((i) => i.relativeHumidity ?? null),
        items.map((i) => i.pressureHpa ?? null),
        items.map((i) => i.windSpeedMs ?? null),
        items.map((i) => i.windDirectionDeg ?? null),
        items.map((i) => i.precipitationMm ?? null),
      ]);
    } catch (error) {
      if (isUniqueViolation(error, 'observations_station_time_key'))
        throw new ConflictProblem(DUPLICATE);
      throw error;
    }
    return items.length;
  }

  /** Keyset pagination on observed_at, which is unique per station; 404 without the station. */
  async list(
    stationId: string,
    query: ListObservationsQuery,
  ): Promise<{ items: ObservationRow[]; nextCursor: string | null }> {
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

    // One more than asked: whether it comes back says if there is a next page.
    const values = [stationId, from, to, query.limit + 1];
    const rows = observationsOf(
      after
        ? await RANGE_AFTER.rows(this.tx.manager, [...values, after])
        : await RANGE.rows(this.tx.manager, values),
    );

    const items = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    const last = items.at(-1);
    return {
      items,
      nextCursor: hasMore && last ? encodeCursor({ t: last.observedAt.toISOString() }) : null,
    };
  }

  /** 404 without the station, or when it has no observations. */
  async latest(stationId: string): Promise<ObservationRow> {
    const [latest] = observationsOf(await LATEST.rows(this.tx.manager, [stationId]));
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

/** The observations of a station read withStation(); 404 when the station is not there. */
function observationsOf(rows: StationObservationRow[]): ObservationRow[] {
  if (rows.length === 0) throw new NotFoundException(STATION_NOT_FOUND);
  return rows.filter((row): row is ObservationRow => row.id !== null);
}

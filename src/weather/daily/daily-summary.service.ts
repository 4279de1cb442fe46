import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { PreparedStatement } from '../../database/prepared-statement';
import { TransactionContext } from '../../database/transaction-context';
import { ConflictProblem, ValidationProblem } from '../../common/problem-details/problem.exception';
import { KnownTimezones } from '../timezones/known-timezones.service';
import type { StationRow } from '../stations/station.entity';
import { DailySummary } from './dto/daily-summary.response';
import { DailySummaryQuery, MAX_DAILY_RANGE_DAYS } from './dto/daily-summary.query';

interface DailyRow {
  date: string;
  min: number;
  max: number;
  mean: number;
  precipitation: number;
  count: string;
}

const DAILY_SUMMARY = new PreparedStatement<DailyRow>(
  'daily_summary',
  `SELECT to_char((observed_at AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS date,
          min(temperature_c) AS min,
          max(temperature_c) AS max,
          avg(temperature_c) AS mean,
          coalesce(sum(precipitation_mm), 0) AS precipitation,
          count(*) AS count
     FROM observations
    WHERE station_id = $1
      AND observed_at >= ($3::date)::timestamp AT TIME ZONE $2
      AND observed_at < (($4::date) + 1)::timestamp AT TIME ZONE $2
    GROUP BY 1
    ORDER BY 1`,
);

/**
 * Daily aggregates per local calendar day, computed by Postgres: the station's time zone turns
 * local midnights into instants, so the WHERE clause stays an index range on observed_at.
 */
@Injectable()
export class DailySummaryService {
  constructor(
    private readonly tx: TransactionContext,
    private readonly timezones: KnownTimezones,
  ) {}

  async summarise(station: StationRow, query: DailySummaryQuery): Promise<DailySummary[]> {
    const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1;
    if (days < 1) throw ValidationProblem.field('from', 'from must not be after to');
    if (days > MAX_DAILY_RANGE_DAYS) {
      throw ValidationProblem.field(
        'from',
        `the range must not exceed ${MAX_DAILY_RANGE_DAYS} days`,
      );
    }
    // A station stored before the zone check (or before a tzdata update dropped its zone) gets
    // a clear answer naming the fix, not a 500 from `AT TIME ZONE`. No silent UTC fallback:
    // days cut at the wrong midnight would look right and be wrong.
    if (!this.timezones.has(station.timezone)) throw unknownZone(station.timezone);
    const rows: DailyRow[] = await this.query(station, query);
    return rows.map((r) => ({
      date: r.date,
      minTemperatureC: r.min,
      maxTemperatureC: r.max,
      meanTemperatureC: Math.round(r.mean * 100) / 100,
      totalPrecipitationMm: Math.round(r.precipitation * 100) / 100,
      observationCount: Number(r.count),
    }));
  }

  private async query(station: StationRow, query: DailySummaryQuery): Promise<DailyRow[]> {
    try {
      return await DAILY_SUMMARY.rows(this.tx.manager, [
        station.id,
        station.timezone,
        query.from,
        query.to,
      ]);
    } catch (error) {
      // The list was loaded at start; the server's tzdata may have changed since.
      if (isUnknownZoneError(error)) throw unknownZone(station.timezone);
      throw error;
    }
  }
}

function unknownZone(timezone: string): ConflictProblem {
  return new ConflictProblem(
    `The station's time zone ${JSON.stringify(timezone.slice(0, 64))} is not known to the database, ` +
      'so local days cannot be computed. Set a current IANA name with PATCH /v1/stations/:id.',
  );
}

/** SQLSTATE 22023 (invalid_parameter_value) with PostgreSQL's "time zone ... not recognized". */
function isUnknownZoneError(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: unknown; message?: unknown };
  return (
    driverError.code === '22023' &&
    typeof driverError.message === 'string' &&
    driverError.message.includes('time zone')
  );
}

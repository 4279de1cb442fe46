import { Injectable } from '@nestjs/common';
import { TransactionContext } from '../../database/transaction-context';
import { ValidationProblem } from '../../common/problem-details/problem.exception';
import { Station } from '../stations/station.entity';
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

/**
 * Daily aggregates per local calendar day, computed by Postgres: the station's time zone turns
 * local midnights into instants, so the WHERE clause stays an index range on observed_at.
 */
@Injectable()
export class DailySummaryService {
  constructor(private readonly tx: TransactionContext) {}

  async summarise(station: Station, query: DailySummaryQuery): Promise<DailySummary[]> {
    const days = (Date.parse(query.to) - Date.parse(query.from)) / 86_400_000 + 1;
    if (days < 1) throw ValidationProblem.field('from', 'from must not be after to');
    if (days > MAX_DAILY_RANGE_DAYS) {
      throw ValidationProblem.field(
        'from',
        `the range must not exceed ${MAX_DAILY_RANGE_DAYS} days`,
      );
    }
    const rows: DailyRow[] = await this.tx.manager.query(
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
      [station.id, station.timezone, query.from, query.to],
    );
    return rows.map((r) => ({
      date: r.date,
      minTemperatureC: r.min,
      maxTemperatureC: r.max,
      meanTemperatureC: Math.round(r.mean * 100) / 100,
      totalPrecipitationMm: Math.round(r.precipitation * 100) / 100,
      observationCount: Number(r.count),
    }));
  }
}

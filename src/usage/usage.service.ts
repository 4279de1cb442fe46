import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ValidationProblem } from '../common/problem-details/problem.exception';
import { UsageQuery } from './dto/usage.query';
import {
  ApiKeyUsage,
  CallerTotal,
  EndpointTotal,
  TopUsage,
  USAGE_KEY_RANGE_DAYS,
} from './dto/usage.response';
import { UsageRecorder } from './usage.recorder';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;

@Injectable()
export class UsageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly recorder: UsageRecorder,
  ) {}

  async forApiKey(apiKeyId: string, query: UsageQuery): Promise<ApiKeyUsage> {
    const { from, to } = await this.prepare(query, USAGE_KEY_RANGE_DAYS);
    const rows = await this.dataSource.query<
      Array<{ hour: Date; route: string; requests: number; errors: number }>
    >(
      `SELECT hour, route, requests::int AS requests, errors::int AS errors
         FROM usage_hourly
        WHERE identity_type = 'api-key' AND identity_id = $1 AND hour >= $2 AND hour < $3
        ORDER BY hour, route`,
      [apiKeyId, from, to],
    );
    return {
      apiKeyId,
      requests: rows.reduce((sum, r) => sum + r.requests, 0),
      errors: rows.reduce((sum, r) => sum + r.errors, 0),
      data: rows.map((r) => ({ ...r, hour: r.hour.toISOString() })),
    };
  }

  async top(query: UsageQuery): Promise<TopUsage> {
    const { from, to } = await this.prepare(query, MAX_RANGE_DAYS);
    const endpoints = await this.dataSource.query<EndpointTotal[]>(
      `SELECT route, sum(requests)::int AS requests, sum(errors)::int AS errors
         FROM usage_hourly WHERE hour >= $1 AND hour < $2
        GROUP BY route ORDER BY requests DESC, route LIMIT $3`,
      [from, to, query.limit],
    );
    const callers = await this.dataSource.query<CallerTotal[]>(
      `SELECT identity_type AS "identityType", identity_id AS "identityId",
              sum(requests)::int AS requests, sum(errors)::int AS errors
         FROM usage_hourly WHERE hour >= $1 AND hour < $2
        GROUP BY identity_type, identity_id ORDER BY requests DESC, identity_id LIMIT $3`,
      [from, to, query.limit],
    );
    return { from: from.toISOString(), to: to.toISOString(), endpoints, callers };
  }

  /** Validates the range, and flushes pending counters so the answer includes them. */
  private async prepare(query: UsageQuery, maxDays: number): Promise<{ from: Date; to: Date }> {
    const to = query.to ?? new Date(Date.now() + 3_600_000);
    const from = query.from ?? new Date(to.getTime() - DAY_MS - 3_600_000);
    if (from >= to) throw ValidationProblem.field('from', 'from must be before to');
    if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
      throw ValidationProblem.field('from', `the range must not exceed ${maxDays} days`);
    }
    await this.recorder.flush();
    return { from, to };
  }
}

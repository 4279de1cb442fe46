import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { requestInfo } from '../common/http/request-info';
import { ErrorResponseEvents } from '../common/problem-details/error-response.events';
import { DatabaseLifecycle } from '../database/database-lifecycle';
import { Principal, identityOf } from '../security/authorization/principal';

const FLUSH_INTERVAL_MS = 5000;
const HOUR_MS = 3_600_000;

interface Counter {
  hour: Date;
  identityType: string;
  identityId: string;
  route: string;
  requests: number;
  errors: number;
}

/**
 * Requests and errors per identity, route template and hour. Counted in memory on the request
 * path (no database write per request) and upserted in one statement every few seconds, at
 * shutdown, and before usage is read.
 */
@Injectable()
export class UsageRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsageRecorder.name);
  private counters = new Map<string, Counter>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly errors: ErrorResponseEvents,
    lifecycle: DatabaseLifecycle,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
    lifecycle.beforeClose(() => this.flush());
  }

  onModuleInit(): void {
    this.errors.subscribe(({ request, status }) => this.record(request, status));
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Counts one finished request; requests that matched no route are not counted. */
  record(request: object, status: number): void {
    const { route } = requestInfo(request);
    if (route === null) return;
    const identity = identityOf((request as { user?: Principal }).user);
    const [identityType, identityId] = [identity.type, identity.id ?? '-'];
    const hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
    const key = `${hour.getTime()}|${identityType}|${identityId}|${route}`;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = { hour, identityType, identityId, route, requests: 0, errors: 0 };
      this.counters.set(key, counter);
    }
    counter.requests += 1;
    if (status >= 400) counter.errors += 1;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counters.size === 0) return;
    const batch = [...this.counters.values()];
    this.counters = new Map();
    try {
      // One statement for the whole batch; concurrent instances add up through ON CONFLICT.
      await this.dataSource.query(
        `INSERT INTO usage_hourly (hour, identity_type, identity_id, route, requests, errors)
         SELECT * FROM unnest($1::timestamptz[], $2::varchar[], $3::varchar[], $4::varchar[], $5::bigint[], $6::bigint[])
         ON CONFLICT (hour, identity_type, identity_id, route) DO UPDATE
           SET requests = usage_hourly.requests + EXCLUDED.requests,
               errors = usage_hourly.errors + EXCLUDED.errors`,
        [
          batch.map((c) => c.hour.toISOString()),
          batch.map((c) => c.identityType),
          batch.map((c) => c.identityId),
          batch.map((c) => c.route),
          batch.map((c) => c.requests),
          batch.map((c) => c.errors),
        ],
      );
    } catch (error) {
      for (const c of batch) this.merge(c);
      this.logger.error({ err: error }, 'Could not write usage counters; will retry');
    }
  }

  private merge(c: Counter): void {
    const key = `${c.hour.getTime()}|${c.identityType}|${c.identityId}|${c.route}`;
    const existing = this.counters.get(key);
    if (existing) {
      existing.requests += c.requests;
      existing.errors += c.errors;
    } else {
      this.counters.set(key, c);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { AuditGaps, DROPPED_ACTION, QUARANTINED_ACTION } from './audit-gaps';
import { eventOf } from './audit-chain.writer';
import { GENESIS_HASH, chainHash } from './audit-hash';
import { AuditLogEntry } from './audit-log.entity';

export interface ChainVerification {
  /** No broken link in the range checked. */
  valid: boolean;
  checked: number;
  firstInvalidId: string | null;
  /** Where the next call continues (`?from=`), or null when the range reached the end. */
  nextFrom: string | null;
  /** Records lost before they reached the chain: counted in it, plus this process's unrecorded ones. */
  dropped: number;
  /** Records the database refused, each replaced in the chain by a quarantine record. */
  quarantined: number;
}

export interface VerifyRange {
  /** First record id to check; earlier records are trusted through the previous record's hash. */
  from?: string;
  /** Records checked at most in this call. */
  limit?: number;
}

export const VERIFY_LIMITS = { defaultLimit: 10_000, maxLimit: 100_000 };
const CHUNK = 500;

/** Lets other requests run between chunks: a long verify must not stall the event loop. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Walks the chain in id order from `from` and recomputes every hash, at most `limit` records
 * per call, in chunks (constant memory); reports the first broken link. A full check is a walk
 * of calls following `nextFrom`.
 */
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lost: AuditGaps,
  ) {}

  async verify(range: VerifyRange = {}): Promise<ChainVerification> {
    const limit = Math.min(range.limit ?? VERIFY_LIMITS.defaultLimit, VERIFY_LIMITS.maxLimit);
    const from = range.from ?? '1';
    const repo = this.dataSource.getRepository(AuditLogEntry);
    const before = await this.dataSource.query<Array<{ hash: string }>>(
      'SELECT hash FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT 1',
      [from],
    );
    let expectedPrev = before[0]?.hash ?? GENESIS_HASH;
    let checked = 0;
    let nextId = from;
    const gaps = await this.gaps();
    for (;;) {
      const rows = await repo.find({
        where: { id: MoreThanOrEqual(nextId) },
        order: { id: 'ASC' },
        take: Math.min(CHUNK, limit - checked),
      });
      for (const row of rows) {
        checked += 1;
        if (row.prevHash !== expectedPrev || row.hash !== chainHash(row.prevHash, eventOf(row))) {
          return { valid: false, checked, firstInvalidId: row.id, nextFrom: null, ...gaps };
        }
        expectedPrev = row.hash;
      }
      const last = rows.at(-1);
      if (last) nextId = (BigInt(last.id) + 1n).toString();
      if (rows.length === 0 || checked >= limit) {
        const more = rows.length > 0 && (await this.hasRecordFrom(nextId));
        return {
          valid: true,
          checked,
          firstInvalidId: null,
          nextFrom: more ? nextId : null,
          ...gaps,
        };
      }
      await yieldToEventLoop();
    }
  }

  private async hasRecordFrom(id: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM audit_log WHERE id >= $1 LIMIT 1',
      [id],
    );
    return rows.length > 0;
  }

  /** Gaps the chain itself records (index on action), plus drops not yet written. */
  private async gaps(): Promise<{ dropped: number; quarantined: number }> {
    const rows = await this.dataSource.query<Array<{ dropped: string; quarantined: string }>>(
      `SELECT
         coalesce(sum(occurrences) FILTER (WHERE action = $1), 0)::text AS dropped,
         count(*) FILTER (WHERE action = $2)::text AS quarantined
       FROM audit_log WHERE action IN ($1, $2)`,
      [DROPPED_ACTION, QUARANTINED_ACTION],
    );
    return {
      dropped: Number(rows[0]?.dropped ?? 0) + this.lost.unrecordedDrops,
      quarantined: Math.max(Number(rows[0]?.quarantined ?? 0), this.lost.quarantined),
    };
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { AuditGaps, DROPPED_ACTION, QUARANTINED_ACTION } from './audit-gaps';
import { eventOf } from './audit-row';
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
  /** Records in the chain, in the whole log (the head's position). */
  sealed: number;
  /** Committed records the sealer has not linked yet: not covered by this check. */
  pending: number;
  /** Seconds since the oldest pending record occurred; null when none is. */
  oldestPendingSeconds: number | null;
}

export interface VerifyRange {
  /** First chain position (seal_seq) to check; earlier ones are trusted through the previous hash. */
  from?: string;
  /** Records checked at most in this call. */
  limit?: number;
}

export const VERIFY_LIMITS = { defaultLimit: 10_000, maxLimit: 100_000 };
const CHUNK = 500;

/** Lets other requests run between chunks: a long verify must not stall the event loop. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Walks the chain in seal order (seal_seq) from `from` and recomputes every hash, at most
 * `limit` records per call, in chunks (constant memory); reports the first broken link or
 * missing position. Unsealed (pending) rows are not in the chain yet: counted, not checked.
 * A full check is a walk of calls following `nextFrom`.
 */
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lost: AuditGaps,
  ) {}

  async verify(range: VerifyRange = {}): Promise<ChainVerification> {
    const limit = Math.min(range.limit ?? VERIFY_LIMITS.defaultLimit, VERIFY_LIMITS.maxLimit);
    let nextSeq = BigInt(range.from ?? '1');
    const repo = this.dataSource.getRepository(AuditLogEntry);
    const before = await this.dataSource.query<Array<{ hash: string }>>(
      'SELECT hash FROM audit_log WHERE seal_seq = $1',
      [(nextSeq - 1n).toString()],
    );
    let expectedPrev = before[0]?.hash ?? GENESIS_HASH;
    let checked = 0;
    const counts = await this.counts();
    for (;;) {
      const rows = await repo.find({
        where: { sealSeq: MoreThanOrEqual(nextSeq.toString()) },
        order: { sealSeq: 'ASC' },
        take: Math.min(CHUNK, limit - checked),
      });
      for (const row of rows) {
        checked += 1;
        // Positions are consecutive: a deleted row leaves a hole even where links were rebuilt.
        const linked = row.sealSeq === nextSeq.toString() && row.prevHash === expectedPrev;
        if (!linked || row.hash !== chainHash(expectedPrev, eventOf(row))) {
          return { valid: false, checked, firstInvalidId: row.id, nextFrom: null, ...counts };
        }
        expectedPrev = row.hash;
        nextSeq += 1n;
      }
      if (rows.length === 0 || checked >= limit) {
        const more = rows.length > 0 && (await this.hasSealedFrom(nextSeq));
        return {
          valid: true,
          checked,
          firstInvalidId: null,
          nextFrom: more ? nextSeq.toString() : null,
          ...counts,
        };
      }
      await yieldToEventLoop();
    }
  }

  private async hasSealedFrom(seq: bigint): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM audit_log WHERE seal_seq >= $1 LIMIT 1',
      [seq.toString()],
    );
    return rows.length > 0;
  }

  /** Gaps the chain records, drops not yet written, and how much is sealed and pending. */
  private async counts(): Promise<
    Omit<ChainVerification, 'valid' | 'checked' | 'firstInvalidId' | 'nextFrom'>
  > {
    const [seal] = await this.dataSource.query<
      Array<{ sealed: string; pending: string; age: number | null }>
    >(
      // Positions are consecutive, so the head's is the sealed count (an index lookup, no scan);
      // pending rows are few and have their own partial index.
      `SELECT coalesce((SELECT max(seal_seq) FROM audit_log), 0)::text AS sealed,
              (SELECT count(*) FROM audit_log WHERE seal_seq IS NULL)::text AS pending,
              (SELECT extract(epoch FROM clock_timestamp() - min(occurred_at))::float8
                 FROM audit_log WHERE seal_seq IS NULL) AS age`,
    );
    return {
      ...(await this.gaps()),
      sealed: Number(seal.sealed),
      pending: Number(seal.pending),
      oldestPendingSeconds: seal.age === null ? null : Math.max(0, seal.age),
    };
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

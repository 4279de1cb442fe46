import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { background } from '../../database/background-work';
import { eventOf } from './audit-row';
import { GENESIS_HASH, chainHash } from './audit-hash';
import { AuditLogEntry } from './audit-log.entity';
import { AUDIT_OPTIONS, AuditOptions, auditSettings } from './audit.options';

/** Any constant: the advisory lock only one sealer holds at a time, across instances. */
export const SEAL_LOCK = 7_313_002;
/**
 * After a local write, the seal that picks it up once it has committed. Coalesced: under load one
 * seal per window chains every write of the window in one batch (few statements per record).
 */
const SOON_MS = 50;
/** Batches per run at most: a backlog is worked off over several runs, the loop yields between. */
const MAX_BATCHES_PER_RUN = 20;
/** How often an instance re-reads the unsealed count (one indexed query): metrics and readiness. */
const STATS_EVERY_MS = 1000;

export interface SealStats {
  /** Committed records not yet in the chain, when last read (null before the first read). */
  unsealed: number | null;
  /** Seconds since the oldest unsealed record occurred (0 when none). */
  oldestUnsealedSeconds: number | null;
  /** The configured bound (AUDIT_SEAL_MAX_DELAY_MS), in seconds. */
  maxDelaySeconds: number;
  /** Records this instance sealed since it started. */
  sealed: number;
  /** Consecutive failed seal runs; 0 when the last one worked. */
  failedRuns: number;
}

/**
 * Chains committed, unsealed audit records. Writers insert rows without a hash, lock or tail
 * read (AuditChainWriter); every instance runs this on a short interval and soon after a local
 * write, and `pg_try_advisory_xact_lock` lets exactly one work at a time (the others skip: the
 * leader seals their rows too). In its own transaction the leader takes the oldest unsealed rows
 * by id, reads the sealed tail, hashes each row as stored and sets seal_seq, prev_hash and hash:
 * the one UPDATE the append-only trigger allows. Chain order is seal order (seal_seq), since a
 * lower id may commit after a higher one. The lock is released at commit, so the next leader
 * reads a committed tail.
 */
@Injectable()
export class AuditSealer implements OnModuleDestroy {
  private readonly logger = new Logger(AuditSealer.name);
  private readonly timer: NodeJS.Timeout;
  private soonTimer?: NodeJS.Timeout;
  private readonly batchRecords: number;
  private readonly maxDelayMs: number;
  /** The run in progress (or settled), and the one queued behind it: never more than two. */
  private current: Promise<unknown> = Promise.resolve();
  private queued: Promise<number> | null = null;
  private closed = false;
  private statsReadAt = 0;
  private stats: SealStats;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUDIT_OPTIONS) options: AuditOptions,
  ) {
    const { sealIntervalMs, sealBatchRecords, sealMaxDelayMs } = auditSettings(options);
    this.batchRecords = sealBatchRecords;
    this.maxDelayMs = sealMaxDelayMs;
    this.stats = {
      unsealed: null,
      oldestUnsealedSeconds: null,
      maxDelaySeconds: sealMaxDelayMs / 1000,
      sealed: 0,
      failedRuns: 0,
    };
    this.timer = setInterval(() => void this.sealNow(), sealIntervalMs);
    this.timer.unref();
  }

  /** A record was written here: seal soon, by when its transaction has most likely committed. */
  soon(): void {
    if (this.soonTimer || this.closed) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      void this.sealNow();
    }, SOON_MS);
    this.soonTimer.unref();
  }

  /**
   * Seals what is committed now, in batches; resolves with the rows this call sealed (0 when
   * another instance holds the lock). Calls coalesce: one run at a time, at most one waiting.
   */
  sealNow(): Promise<number> {
    return this.enqueue();
  }

  private enqueue(): Promise<number> {
    if (this.queued) return this.queued;
    const next = this.current.then(() => {
      this.queued = null;
      return this.run();
    });
    this.queued = next;
    this.current = next.catch(() => undefined);
    return next;
  }

  /** The unsealed count and age as last read, and this instance's own counts. */
  sealStats(): SealStats {
    return { ...this.stats };
  }

  /** Whether a record has waited longer than the configured bound (AUDIT_SEAL_MAX_DELAY_MS). */
  overdue(): boolean {
    return (this.stats.oldestUnsealedSeconds ?? 0) * 1000 > this.maxDelayMs;
  }

  private async run(): Promise<number> {
    let sealed = 0;
    try {
      // Idle, the common case: one index-only probe instead of a transaction every tick.
      if (await this.nothingUnsealed()) {
        this.stats.failedRuns = 0;
        await this.readStats().catch(() => undefined);
        return 0;
      }
      for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch += 1) {
        const done = await background(this.dataSource, 'audit-sealer', (manager) =>
          manager.transaction((tx) => this.sealBatch(tx)),
        );
        sealed += done ?? 0;
        this.stats.sealed += done ?? 0; // committed: counted even if a later batch fails
        if (done === null || done < this.batchRecords) break;
      }
      this.stats.failedRuns = 0;
    } catch (error) {
      this.stats.failedRuns += 1;
      // Once, then once per power of ten: a database outage is not a log flood every 200 ms.
      const n = this.stats.failedRuns;
      if (Number.isInteger(Math.log10(n))) {
        this.logger.error({ err: error, failedRuns: n }, 'Could not seal audit records');
      }
    }
    // Also after a failed run: a sealer that keeps failing shows as a growing unsealed age.
    await this.readStats().catch(() => undefined);
    return sealed;
  }

  /** One batch in the caller's transaction: null when another sealer holds the lock. */
  private async sealBatch(manager: EntityManager): Promise<number | null> {
    const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [SEAL_LOCK],
    );
    if (!locked) return null;
    // Read through the entity, as the verifier reads: the hash covers exactly what is stored.
    const rows = await manager.getRepository(AuditLogEntry).find({
      where: { sealSeq: IsNull() },
      order: { id: 'ASC' },
      take: this.batchRecords,
    });
    if (rows.length === 0) return 0;
    const tail = await manager.query<Array<{ seq: string; hash: string }>>(
      `SELECT seal_seq::text AS seq, hash FROM audit_log
        WHERE seal_seq IS NOT NULL ORDER BY seal_seq DESC LIMIT 1`,
    );
    let prevHash = tail[0]?.hash ?? GENESIS_HASH;
    let seq = BigInt(tail[0]?.seq ?? '0');
    const seal = { ids: [] as string[], seqs: [] as string[], prevs: [] as string[] };
    const hashes: string[] = [];
    for (const row of rows) {
      seq += 1n;
      const hash = chainHash(prevHash, eventOf(row));
      seal.ids.push(row.id);
      seal.seqs.push(seq.toString());
      seal.prevs.push(prevHash);
      hashes.push(hash);
      prevHash = hash;
    }
    // One statement for the batch; `seal_seq IS NULL` again so a row sealed meanwhile by anyone
    // else (only a forger could) makes the count differ and the whole batch roll back.
    const result = await manager.queryRunner!.query(
      `UPDATE audit_log a SET seal_seq = s.seq, prev_hash = s.prev, hash = s.hash
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS s(id, seq, prev, hash)
        WHERE a.id = s.id AND a.seal_seq IS NULL`,
      [seal.ids, seal.seqs, seal.prevs, hashes],
      true,
    );
    if (result.affected !== rows.length) {
      throw new Error(`sealed ${String(result.affected)} of ${rows.length} audit records`);
    }
    return rows.length;
  }

  /** Whether no committed record waits (the partial index on unsealed rows answers it). */
  private async nothingUnsealed(): Promise<boolean> {
    const [row] = await background(this.dataSource, 'audit-sealer', (manager) =>
      manager.query<Array<{ waiting: boolean }>>(
        'SELECT EXISTS (SELECT 1 FROM audit_log WHERE seal_seq IS NULL) AS waiting',
      ),
    );
    return !row.waiting;
  }

  /** The unsealed count and oldest age, at most once a second. */
  private async readStats(): Promise<void> {
    const now = Date.now();
    if (now - this.statsReadAt < STATS_EVERY_MS) return;
    this.statsReadAt = now;
    const [row] = await background(this.dataSource, 'audit-sealer', (manager) =>
      manager.query<Array<{ n: number; age: number | null }>>(
        `SELECT count(*)::int AS n,
                extract(epoch FROM clock_timestamp() - min(occurred_at))::float8 AS age
           FROM audit_log WHERE seal_seq IS NULL`,
      ),
    );
    this.stats.unsealed = row.n;
    this.stats.oldestUnsealedSeconds = Math.max(0, row.age ?? 0);
  }

  /**
   * Shutdown, after the buffer's last flush (AuditBuffer calls it, so the order is fixed):
   * everything written by now is sealed before the database closes.
   */
  async finalSeal(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.soonTimer);
    // Twice: a run already under way may have started before the last records committed.
    await this.enqueue();
    await this.enqueue();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    clearTimeout(this.soonTimer);
  }
}

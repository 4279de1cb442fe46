import { Injectable } from '@nestjs/common';
import { DataSource, MoreThan } from 'typeorm';
import { eventOf } from './audit-chain.writer';
import { GENESIS_HASH, chainHash } from './audit-hash';
import { AuditLogEntry } from './audit-log.entity';

export interface ChainVerification {
  valid: boolean;
  checked: number;
  firstInvalidId: string | null;
}

const BATCH = 1000;

/** Walks the chain in id order and recomputes every hash; reports the first broken link. */
@Injectable()
export class AuditVerifier {
  constructor(private readonly dataSource: DataSource) {}

  async verify(): Promise<ChainVerification> {
    const repo = this.dataSource.getRepository(AuditLogEntry);
    let expectedPrev = GENESIS_HASH;
    let checked = 0;
    let afterId = '0';
    for (;;) {
      const rows = await repo.find({
        where: { id: MoreThan(afterId) },
        order: { id: 'ASC' },
        take: BATCH,
      });
      for (const row of rows) {
        checked += 1;
        if (row.prevHash !== expectedPrev || row.hash !== chainHash(row.prevHash, eventOf(row))) {
          return { valid: false, checked, firstInvalidId: row.id };
        }
        expectedPrev = row.hash;
      }
      if (rows.length < BATCH) return { valid: true, checked, firstInvalidId: null };
      afterId = rows[rows.length - 1].id;
    }
  }
}

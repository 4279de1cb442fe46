import { Injectable } from '@nestjs/common';

/** Recorded in the chain when records were dropped, so a gap is never silent. */
export const DROPPED_ACTION = 'audit.records.dropped';
/** Stands in the chain for a record the database refused (its values are not kept). */
export const QUARANTINED_ACTION = 'audit.record.quarantined';

/** What this process lost or quarantined; the buffer counts, verify and readiness report. */
@Injectable()
export class AuditGaps {
  /** Records dropped because the queue was full, since this process started. */
  dropped = 0;
  /** Dropped records not yet recorded in the chain (written with the next successful flush). */
  unrecordedDrops = 0;
  /** Records the database refused (data errors), replaced by a quarantine record. */
  quarantined = 0;
}

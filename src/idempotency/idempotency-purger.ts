import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RowPurger } from '../database/row-purger';

/**
 * Removes expired keys, so the table stays the size of one TTL's traffic. A pass takes up to
 * 50 batches (50,000 keys, ~80 new keys a second sustained): one batch a pass would cap the
 * purge at 1,000 keys per 10 minutes, and a busier fleet's table would only grow. An expired
 * key is also taken over in place when it is reused.
 */
@Injectable()
export class IdempotencyPurger extends RowPurger {
  constructor(dataSource: DataSource) {
    super(dataSource, 'idempotency_keys', 'expires_at <= now()', 50);
  }
}

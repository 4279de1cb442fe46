import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RowPurger } from '../../database/row-purger';

/**
 * Used and expired mailed tokens are deleted: they open nothing any more, and each one still
 * holds an address the person may since have left. The table stays one TTL's worth of links.
 */
@Injectable()
export class AccountTokensPurger extends RowPurger {
  constructor(dataSource: DataSource) {
    super(dataSource, 'account_tokens', 'used_at IS NOT NULL OR expires_at <= now()');
  }
}

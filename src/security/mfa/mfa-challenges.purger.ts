import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RowPurger } from '../../database/row-purger';

/**
 * Every password login of an MFA user leaves a challenge row (with client IP and user agent);
 * used and expired ones are deleted, so the table stays the size of the logins in progress.
 */
@Injectable()
export class MfaChallengesPurger extends RowPurger {
  constructor(dataSource: DataSource) {
    super(dataSource, 'mfa_challenges', 'used_at IS NOT NULL OR expires_at <= now()');
  }
}

import { Module } from '@nestjs/common';
import { TransactionContext } from './transaction-context';

/**
 * The request's ambient transaction, for any module that writes. Needs only a `DataSource`
 * from the host. One static module, so every importer shares one TransactionContext: the
 * audit layer's transaction is the one the services join.
 */
@Module({
  providers: [TransactionContext],
  exports: [TransactionContext],
})
export class TransactionModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { TransactionModule } from '../database/transaction.module';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_OPTIONS, IdempotencyOptions } from './idempotency.options';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyStore } from './idempotency.store';

/**
 * Idempotency-Key for @Idempotent routes. The host registers the interceptor as the outermost
 * one: { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor } (src/request-pipeline.ts).
 */
@Module({})
export class IdempotencyModule {
  static forRoot(options: IdempotencyOptions): DynamicModule {
    return {
      module: IdempotencyModule,
      imports: [TransactionModule],
      providers: [
        { provide: IDEMPOTENCY_OPTIONS, useValue: options },
        IdempotencyStore,
        IdempotencyInterceptor,
        IdempotencyPurger,
      ],
      exports: [IdempotencyInterceptor],
    };
  }
}

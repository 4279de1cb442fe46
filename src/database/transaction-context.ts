import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The transaction of the current request, if one is open. The audit interceptor opens one
 * around a state-changing handler so that the change and its audit record commit together;
 * services write through `run()`, which joins that transaction or opens their own.
 */
@Injectable()
export class TransactionContext {
  private readonly storage = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in the ambient transaction, or in a new one when there is none. */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const ambient = this.storage.getStore();
    if (ambient) return work(ambient);
    return this.dataSource.transaction((manager) => this.storage.run(manager, () => work(manager)));
  }

  /** The ambient transaction's manager, or the default one for plain reads and single writes. */
  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }
}

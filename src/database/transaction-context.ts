import { Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

/** The open transaction and what waits for its commit. */
interface Ambient {
  manager: EntityManager;
  afterCommit: Array<() => void>;
}

/**
 * The transaction of the current request, if one is open. The audit interceptor opens one
 * around a state-changing handler so that the change and its audit record commit together;
 * services write through `run()`, which joins that transaction or opens their own.
 */
@Injectable()
export class TransactionContext {
  private readonly logger = new Logger('TransactionContext');
  private readonly storage = new AsyncLocalStorage<Ambient>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in the ambient transaction, or in a new one when there is none. */
  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const ambient = this.storage.getStore();
    if (ambient) return work(ambient.manager);
    const afterCommit: Array<() => void> = [];
    const result = await this.dataSource.transaction((manager) =>
      this.storage.run({ manager, afterCommit }, () => work(manager)),
    );
    // Committed: now the side effects that must not outlive a rollback (mail) may happen.
    for (const effect of afterCommit) {
      try {
        effect();
      } catch (error) {
        // The change is in; a failed effect must not turn its answer into an error.
        this.logger.error(`An after-commit effect failed (${(error as Error).name})`);
      }
    }
    return result;
  }

  /**
   * Runs `effect` once the ambient transaction commits, and never if it rolls back; at once
   * when there is none. For what cannot be undone, like a queued mail: a link to a token that
   * was rolled back, or "your password was reset" when it was not, would mislead the person.
   */
  afterCommit(effect: () => void): void {
    const ambient = this.storage.getStore();
    if (ambient) ambient.afterCommit.push(effect);
    else effect();
  }

  /** The ambient transaction's manager, or the default one for plain reads and single writes. */
  get manager(): EntityManager {
    return this.storage.getStore()?.manager ?? this.dataSource.manager;
  }
}

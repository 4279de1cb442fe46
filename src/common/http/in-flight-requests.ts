import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Counts requests being served, so shutdown can wait for them (up to SHUTDOWN_TIMEOUT_MS)
 * before the database closes under them.
 */
@Injectable()
export class InFlightRequests {
  private count = 0;
  private waiters: Array<() => void> = [];

  get current(): number {
    return this.count;
  }

  started(): void {
    this.count += 1;
  }

  finished(): void {
    this.count = Math.max(0, this.count - 1);
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when no request is in flight, or after timeoutMs; true if it drained. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

@Global()
@Module({ providers: [InFlightRequests], exports: [InFlightRequests] })
export class InFlightRequestsModule {}

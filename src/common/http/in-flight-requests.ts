import { Injectable } from '@nestjs/common';

/** What shutdown needs of a response still being written: to say the connection ends. */
export interface ClosableResponse {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): unknown;
}

/**
 * Counts requests being served, so shutdown can wait for them (up to SHUTDOWN_TIMEOUT_MS)
 * before the database closes under them; once shutdown begins, their responses (and any
 * request that still arrives on an open keep-alive connection) say `Connection: close`.
 */
@Injectable()
export class InFlightRequests {
  private readonly open = new Set<ClosableResponse>();
  private waiters: Array<() => void> = [];
  private closingSince: number | undefined;
  private refusingSince: number | undefined;

  get current(): number {
    return this.open.size;
  }

  /** True once shutdown began: every response from then on ends its connection. */
  get closing(): boolean {
    return this.closingSince !== undefined;
  }

  /**
   * True once shutdown drained what was in flight: the database is about to close, so a request
   * that still arrives is refused (503). Before that, one that arrives on an open keep-alive
   * connection is served (a proxy cannot resend a POST it already sent), and ends its connection.
   */
  get refusing(): boolean {
    return this.refusingSince !== undefined;
  }

  /** From now on a request that still arrives is answered 503 (shutdown is about to close). */
  refuseNew(): void {
    this.refusingSince ??= Date.now();
  }

  started(response: ClosableResponse): void {
    this.open.add(response);
  }

  finished(response: ClosableResponse): void {
    this.open.delete(response);
    if (this.open.size === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  beginClosing(): void {
    this.closingSince ??= Date.now();
    for (const response of this.open) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
  }

  /** Resolves when no request is in flight, or after timeoutMs; true if it drained. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

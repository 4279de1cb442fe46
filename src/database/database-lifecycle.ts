import { Injectable, Logger } from '@nestjs/common';

/**
 * Work that must reach the database before it closes at shutdown (buffered audit records,
 * usage counters). Nest closes the HTTP server before the shutdown hooks run, so by then no
 * request is in flight and nothing new is buffered.
 */
@Injectable()
export class DatabaseLifecycle {
  private readonly logger = new Logger(DatabaseLifecycle.name);
  private readonly beforeCloseHooks: Array<() => Promise<void>> = [];

  beforeClose(hook: () => Promise<void>): void {
    this.beforeCloseHooks.push(hook);
  }

  async runBeforeClose(): Promise<void> {
    for (const hook of this.beforeCloseHooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error({ err: error }, 'A before-close hook failed');
      }
    }
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { InFlightRequests } from '../common/http/in-flight-requests';

/**
 * Work that must reach the database before it closes at shutdown (buffered audit records,
 * usage counters). Nest closes the HTTP server before the shutdown hooks run, so by then no
 * request is in flight and nothing new is buffered.
 */
@Injectable()
export class DatabaseLifecycle {
  private readonly logger = new Logger(DatabaseLifecycle.name);
  private readonly beforeCloseHooks: Array<() => Promise<void>> = [];

  constructor(
    private readonly inFlight: InFlightRequests,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  beforeClose(hook: () => Promise<void>): void {
    this.beforeCloseHooks.push(hook);
  }

  async runBeforeClose(): Promise<void> {
    // Requests still being answered keep the database until they finish, or until the timeout.
    if (!(await this.inFlight.drain(this.config.shutdownTimeoutMs))) {
      this.logger.warn(
        `${this.inFlight.current} request(s) still running after SHUTDOWN_TIMEOUT_MS`,
      );
    }
    for (const hook of this.beforeCloseHooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error({ err: error }, 'A before-close hook failed');
      }
    }
  }
}

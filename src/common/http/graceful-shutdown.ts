import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppLogger } from '../../logging/app-logger';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { InFlightRequests } from './in-flight-requests';

/**
 * The first step of shutdown, before Nest closes the HTTP server and long before the database:
 * stop taking work, let what is in flight finish within SHUTDOWN_TIMEOUT_MS, and make sure
 * keep-alive connections cannot keep the process (or new requests) alive past that budget.
 * The listener closes at once, so a proxy's next connection goes to another instance (it may
 * retry a refused connection, even for a POST); idle connections are closed, every response
 * from now on says `Connection: close`, a request that arrives after the drain gets 503, and
 * whatever runs past the budget is cut.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private startedAt: number | undefined;

  constructor(
    private readonly inFlight: InFlightRequests,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly appLogger?: AppLogger,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.startedAt = Date.now();
    const budget = this.config.shutdownTimeoutMs;
    this.logger.log(
      `Shutdown started${signal ? ` (${signal})` : ''}: ${this.inFlight.current} request(s) in flight, budget ${budget} ms`,
    );
    this.inFlight.beginClosing();
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    // Stops accepting (and, since Node 19, closes idle keep-alive connections). Nest's own
    // close of the server later finds it closed already, which it tolerates.
    if (server?.listening) server.close();
    server?.closeIdleConnections();
    const drained = await this.inFlight.drain(budget);
    // Past the budget, or keep-alive sockets that went idle after their last answer: cut them,
    // so closing the server does not wait for clients.
    if (drained) server?.closeIdleConnections();
    else server?.closeAllConnections();
  }

  /** The last line of shutdown (DatabaseModule calls it once the database is closed). */
  async finished(): Promise<void> {
    if (this.startedAt === undefined) return;
    this.logger.log(`Shutdown finished in ${Date.now() - this.startedAt} ms`);
    await this.appLogger?.flush();
  }
}

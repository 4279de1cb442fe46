import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppLogger } from '../../logging/app-logger';
import { HttpAdapterHost } from '@nestjs/core';
import { Server } from 'node:http';
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
    const grace = Math.min(this.config.shutdownIdleGraceMs, budget);
    const deadline = this.startedAt + budget;
    if (server?.listening) {
      // Stop accepting: a proxy's next connection goes to another instance. http.Server's own
      // close() also closes idle keep-alive connections (Node 19+); behind a proxy that races
      // the proxy reusing one for a POST it may not resend, so with a grace the connections
      // stay open, each answers at most one more request (`Connection: close`), and the proxy
      // closes the idle ones itself (its keepalive_timeout is shorter than the grace).
      if (grace > 0) stopListening(server);
      else server.close();
    }
    if (grace === 0) server?.closeIdleConnections();
    let drained = await this.inFlight.drain(budget);
    if (drained && grace > 0 && server) {
      await untilNoConnections(server, Math.min(this.startedAt + grace, deadline));
      drained = await this.inFlight.drain(Math.max(0, deadline - Date.now()));
    }
    this.inFlight.refuseNew();
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

/** Resolves once the server has no open connection, or at `until` (epoch ms). */
async function untilNoConnections(server: Server, until: number): Promise<void> {
  while (Date.now() < until) {
    const open = await new Promise<number>((resolve) =>
      server.getConnections((error, count) => resolve(error ? 0 : count)),
    );
    if (open === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * net.Server's close(), which http.Server's own close() calls after closing idle connections:
 * it stops accepting and leaves open connections be (reached through the prototype chain so
 * this file needs no networking module of its own).
 */
function stopListening(server: Server): void {
  const netServer = Object.getPrototypeOf(Server.prototype) as { close(this: Server): void };
  netServer.close.call(server);
}

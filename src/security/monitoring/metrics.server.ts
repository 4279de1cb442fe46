import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MONITORING_OPTIONS, MonitoringOptions } from './monitoring.options';
import { SecurityMetrics } from './security-metrics';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * `GET /metrics` in the Prometheus text format, on a listener of its own (METRICS_PORT, bound to
 * METRICS_HOST): the API's port never serves it, so a public load balancer cannot expose the
 * app's internals by accident. With a token, a scrape without `Authorization: Bearer <token>`
 * is a 401 (compared as SHA-256 digests, in constant time).
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;
  private readonly tokenDigest?: Buffer;

  constructor(
    @Inject(MONITORING_OPTIONS) private readonly options: MonitoringOptions,
    private readonly metrics: SecurityMetrics,
  ) {
    const token = options.metrics.token;
    this.tokenDigest = token === undefined ? undefined : sha256(token);
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.options.metrics;
    if (port === null) return;
    const server = createServer((req, res) => void this.answer(req, res));
    server.headersTimeout = 5000;
    server.requestTimeout = 10_000;
    server.maxConnections = 32; // a scraper or two, not a crowd
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
      const message = `METRICS_PORT/METRICS_HOST: cannot listen on ${host}:${port} (${reason})`;
      if (!this.options.metrics.bestEffort) throw new Error(message, { cause });
      this.logger.warn(`${message}; metrics are not served by this instance`);
      return;
    }
    this.server = server;
    this.logger.log(`Metrics on http://${host}:${this.address()?.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Where it listens (port 0 picks a free one), or undefined when it does not. */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics') return this.plain(res, 404, 'Not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.plain(res, 405, 'Method not allowed');
    }
    if (!this.authorized(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return this.plain(res, 401, 'Unauthorized');
    }
    try {
      const body = await this.metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.error({ err: error }, 'Could not collect the metrics');
      this.plain(res, 500, 'Could not collect the metrics');
    }
  }

  private authorized(header: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    return timingSafeEqual(sha256(header.slice('Bearer '.length)), this.tokenDigest);
  }

  private plain(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  }
}

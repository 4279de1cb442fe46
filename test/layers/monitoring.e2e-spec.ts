import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  HttpException,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnModuleInit,
  Param,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import request from 'supertest';
import { ErrorResponseEvents } from '../../src/common/problem-details/error-response.events';
import { ErrorResponseEventsModule } from '../../src/common/problem-details/error-response-events.module';
import { ProblemException } from '../../src/common/problem-details/problem.exception';
import { HttpMetrics } from '../../src/security/monitoring/http-metrics';
import { MetricsServer } from '../../src/security/monitoring/metrics.server';
import { MonitoringModule } from '../../src/security/monitoring/monitoring.module';
import type { MonitoringOptions } from '../../src/security/monitoring/monitoring.options';
import { LayerApp, startLayerApp } from '../support/layer-app';
import { sampleOf, scrape } from '../support/metrics';

/**
 * The monitoring layer alone: MonitoringModule.forRoot, a demo controller, the host's own
 * error filter that announces error responses (as the app's problem-details filter does), and
 * the request middleware installed by the host. No database, no other layer.
 */

const TOKEN = 'metrics-token-for-the-layer-test-0123456789';

@Controller('demo')
class DemoController {
  @Get('things/:id')
  read(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Get('refused')
  refused(): never {
    const problem = new ProblemException(401, 'Unauthorized', 'Missing or invalid credentials.');
    problem.auditDetails = { credential: 'api-key', refusal: 'bad_key' };
    throw problem;
  }
}

@Catch()
class HostFilter implements ExceptionFilter {
  constructor(
    private readonly events: ErrorResponseEvents,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    this.events.emit({ exception, status, request: http.getRequest<object>() });
    this.adapterHost.httpAdapter.reply(http.getResponse(), { status }, status);
  }
}

/**
 * The host installs the middleware for every request (on Fastify through middie, on Node's
 * request and response as on Express) and, on Fastify, the hook that gives it the route.
 */
@Module({ imports: [ErrorResponseEventsModule], controllers: [DemoController] })
class DemoModule implements NestModule, OnModuleInit {
  constructor(
    private readonly metrics: HttpMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(this.metrics.middleware).forRoutes('*path');
  }

  onModuleInit(): void {
    this.metrics.linkRoutedRequests(this.adapterHost.httpAdapter);
  }
}

function hostWith(options: MonitoringOptions) {
  return {
    imports: [MonitoringModule.forRoot(options), ErrorResponseEventsModule, DemoModule],
    providers: [{ provide: APP_FILTER, useClass: HostFilter }],
  };
}

function metricsUrl(host: LayerApp): string {
  const address = host.app.get(MetricsServer).address();
  if (!address) throw new Error('metrics listener not started');
  return `http://127.0.0.1:${address.port}`;
}

describe('monitoring layer alone', () => {
  const started: LayerApp[] = [];
  async function start(options: MonitoringOptions): Promise<LayerApp> {
    const host = await startLayerApp(hostWith(options));
    started.push(host);
    return host;
  }

  afterEach(async () => {
    for (const host of started.splice(0)) await host.close();
  });

  it('serves /metrics on its own loopback listener, never on the API port', async () => {
    const host = await start({ metrics: { port: 0, host: '127.0.0.1' } });
    const address = host.app.get(MetricsServer).address();
    expect(address?.address).toBe('127.0.0.1');
    const res = await request(metricsUrl(host)).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE http_requests_total counter');
    await request(host.server).get('/metrics').expect(404);
    await request(metricsUrl(host)).get('/other').expect(404);
    await request(metricsUrl(host)).post('/metrics').expect(405);
  });

  it('counts requests by route template, method and status class: never the raw path', async () => {
    const host = await start({ metrics: { port: 0, host: '127.0.0.1' } });
    for (const id of ['a1', 'b2', 'c3'])
      await request(host.server).get(`/demo/things/${id}`).expect(200);
    await request(host.server).get('/nowhere/42').expect(404);
    const text = await scrape(metricsUrl(host));
    const labels = { route: '/demo/things/:id', method: 'GET', status_class: '2xx' };
    expect(sampleOf(text, 'http_requests_total', labels)).toBe(3);
    expect(sampleOf(text, 'http_request_duration_seconds_count', labels)).toBe(3);
    expect(sampleOf(text, 'http_requests_total', { route: 'unmatched', status_class: '4xx' })).toBe(
      1,
    );
    for (const raw of ['a1', 'b2', 'c3', 'nowhere']) expect(text).not.toContain(raw);
  });

  it('counts a refused credential by kind and reason, from the announced error response', async () => {
    const host = await start({ metrics: { port: 0, host: '127.0.0.1' } });
    await request(host.server).get('/demo/refused').expect(401);
    await request(host.server).get('/demo/refused').expect(401);
    const text = await scrape(metricsUrl(host));
    expect(
      sampleOf(text, 'auth_failures_total', { credential: 'api-key', reason: 'bad_key' }),
    ).toBe(2);
  });

  it('with a token: no token or a wrong one is 401, the right one is 200', async () => {
    const host = await start({ metrics: { port: 0, host: '127.0.0.1', token: TOKEN } });
    const url = metricsUrl(host);
    const none = await request(url).get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect(none.text).not.toContain('http_requests_total');
    await request(url).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    await request(url).get('/metrics').set('Authorization', `Basic ${TOKEN}`).expect(401);
    await request(url).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  });

  it('a port already taken fails the start, unless it was only a default (bestEffort)', async () => {
    const first = await start({ metrics: { port: 0, host: '127.0.0.1' } });
    const port = first.app.get(MetricsServer).address()!.port;
    await expect(start({ metrics: { port, host: '127.0.0.1' } })).rejects.toThrow(
      `METRICS_PORT/METRICS_HOST: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`,
    );
    const second = await start({ metrics: { port, host: '127.0.0.1', bestEffort: true } });
    expect(second.app.get(MetricsServer).address()).toBeUndefined();
  });

  it('without a port: no listener at all', async () => {
    const host = await start({ metrics: { port: null, host: '127.0.0.1' } });
    expect(host.app.get(MetricsServer).address()).toBeUndefined();
  });

  it.each([
    [
      'a port out of range',
      { port: 70000, host: '127.0.0.1' },
      /metrics.port must be null or a port/,
    ],
    ['an empty host', { port: 0, host: ' ' }, /metrics.host must be a non-empty string/],
    [
      'a short token',
      { port: 0, host: '127.0.0.1', token: 'short' },
      /metrics.token must be at least 32/,
    ],
  ])('%s stops the start, naming the option', async (_name, metrics, message) => {
    await expect(start({ metrics })).rejects.toThrow(message);
  });
});

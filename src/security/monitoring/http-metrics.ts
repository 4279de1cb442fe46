import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Counter, Histogram } from 'prom-client';
import type { Principal } from '../authorization/principal';
import { AlertDetector } from './alert-detector';
import { SecurityMetrics } from './security-metrics';

/** Node's parser accepts a fixed list of methods; the rare ones share one label. */
const METHODS: Record<string, string> = {
  GET: 'GET',
  HEAD: 'HEAD',
  POST: 'POST',
  PUT: 'PUT',
  PATCH: 'PATCH',
  DELETE: 'DELETE',
  OPTIONS: 'OPTIONS',
};
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
/** A request no route matched (404, or refused before routing: 413, 415, a pre-routing 429). */
export const UNMATCHED_ROUTE = 'unmatched';

const STARTED = Symbol('metricsStartedAt');
const RECORDER = Symbol('metricsRecorder');
type TimedResponse = ServerResponse & { [STARTED]?: number; [RECORDER]?: HttpMetrics };
/** Express: the matched route and its router's mount point; Fastify: the route's URL. */
type RoutedRequest = IncomingMessage & {
  user?: Principal;
  ip?: string;
  route?: { path?: unknown };
  baseUrl?: string;
  routeOptions?: { url?: unknown };
};

interface Children {
  requests: ReturnType<Counter<string>['labels']>;
  duration: ReturnType<Histogram<string>['labels']>;
}

/**
 * Request count and duration per route template, method and status class. The per-request
 * cost is one timestamp, one listener (a shared function, no closure) and a map lookup of the
 * label children: no regex, no label object, no allocation beyond the lookup key.
 */
@Injectable()
export class HttpMetrics {
  private readonly children = new Map<string, Children>();

  constructor(
    private readonly metrics: SecurityMetrics,
    private readonly detector: AlertDetector,
  ) {}

  /** Platform middleware (Express signature); install it first, so every answer is counted. */
  readonly middleware = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    (res as TimedResponse)[STARTED] = performance.now();
    (res as TimedResponse)[RECORDER] = this;
    res.on('finish', onFinish);
    next();
  };

  /** Counts one answered request. Public for the platform hook and the tests. */
  record(req: IncomingMessage, res: ServerResponse): void {
    const started = (res as TimedResponse)[STARTED];
    if (started === undefined) return;
    const routed = req as RoutedRequest;
    const route = routeTemplateOf(routed);
    const method = METHODS[req.method ?? ''] ?? 'other';
    const statusClass = STATUS_CLASSES[Math.min(5, Math.floor(res.statusCode / 100))] ?? '5xx';
    const key = `${route} ${method} ${statusClass}`;
    let children = this.children.get(key);
    if (!children) {
      children = {
        requests: this.metrics.httpRequests.labels(route, method, statusClass),
        duration: this.metrics.httpDuration.labels(route, method, statusClass),
      };
      this.children.set(key, children);
    }
    children.requests.inc();
    children.duration.observe((performance.now() - started) / 1000);
    // Detection looks at API keys' addresses and identified 404s only: no work otherwise.
    const principal = routed.user;
    if (principal && (principal.kind === 'api-key' || res.statusCode === 404)) {
      this.detector.requestAnswered(principal, route, res.statusCode, routed.ip);
    }
  }
}

/** One function for every response ('finish' calls it with the response as `this`). */
function onFinish(this: TimedResponse): void {
  this[RECORDER]?.record(this.req, this);
}

/** The route template (`/v1/stations/:id`), never the raw path: a bounded label. */
export function routeTemplateOf(req: RoutedRequest): string {
  const path = req.route?.path;
  if (typeof path === 'string') return req.baseUrl ? req.baseUrl + path : path;
  const url = req.routeOptions?.url;
  return typeof url === 'string' ? url : UNMATCHED_ROUTE;
}

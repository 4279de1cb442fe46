import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Counter, Histogram } from 'prom-client';
import type { Principal } from '../authorization/principal';
import { AlertDetector } from './alert-detector';
import { MONITORING_OPTIONS, MonitoringOptions } from './monitoring.options';
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
/** On Fastify's raw request: the Fastify request it belongs to (see linkRoutedRequests). */
const ROUTED = Symbol('metricsRoutedRequest');
type TimedResponse = ServerResponse & { [STARTED]?: number; [RECORDER]?: HttpMetrics };
/** Express: the matched route and its router's mount point; Fastify: the route's URL. */
type RoutedRequest = IncomingMessage & {
  user?: Principal;
  ip?: string;
  route?: { path?: unknown };
  baseUrl?: string;
  routeOptions?: { url?: unknown };
  [ROUTED]?: RoutedRequest;
};

/** What this file needs of an HTTP adapter (Nest's AbstractHttpAdapter has it). */
interface AdapterLike {
  getType(): string;
  getInstance<T>(): T;
}
interface FastifyHooks {
  addHook(
    name: 'onRequest',
    hook: (request: { raw: IncomingMessage }, reply: unknown, done: () => void) => void,
  ): unknown;
}

interface Children {
  requests: ReturnType<Counter<string>['labels']>;
  duration: ReturnType<Histogram<string>['labels']>;
}

/**
 * Request count and duration per route template, method and status class. The per-request
 * cost is one timestamp, one listener (a shared function, no closure) and a map lookup of the
 * label children: no regex, no label object, no allocation beyond the lookup key. Without a
 * metrics listener nobody can read them, so nothing is counted; detection still runs.
 */
@Injectable()
export class HttpMetrics {
  private readonly children = new Map<string, Children>();
  private readonly counting: boolean;

  constructor(
    private readonly metrics: SecurityMetrics,
    private readonly detector: AlertDetector,
    @Inject(MONITORING_OPTIONS) options: MonitoringOptions,
  ) {
    this.counting = options.metrics.port !== null;
  }

  /**
   * Platform middleware, `(req, res, next)` on Node's request and response (Express, or Fastify
   * through middie); install it first, so every answer is counted, a 413 or 404 too.
   */
  readonly middleware = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    (res as TimedResponse)[STARTED] = performance.now();
    (res as TimedResponse)[RECORDER] = this;
    res.on('finish', onFinish);
    next();
  };

  /**
   * Fastify hands middleware its raw request, which learns neither the matched route nor the
   * caller (the guards set `user` on Fastify's own request): one hook links the two, so that
   * the answer is counted under its route template. Express's request is both: nothing to do.
   * A request the router refused never meets the hook: it is counted as unmatched.
   */
  linkRoutedRequests(adapter: AdapterLike): void {
    if (adapter.getType() !== 'fastify') return;
    adapter.getInstance<FastifyHooks>().addHook('onRequest', linkRouted);
  }

  /** Counts one answered request. Public for the platform hook and the tests. */
  record(req: IncomingMessage, res: ServerResponse): void {
    const started = (res as TimedResponse)[STARTED];
    if (started === undefined) return;
    const routed: RoutedRequest = (req as RoutedRequest)[ROUTED] ?? req;
    const route = routeTemplateOf(routed);
    if (this.counting) this.count(route, req.method, res.statusCode, started);
    // Detection looks at API keys' addresses and identified 404s only: no work otherwise.
    const principal = routed.user;
    if (principal && (principal.kind === 'api-key' || res.statusCode === 404)) {
      this.detector.requestAnswered(principal, route, res.statusCode, routed.ip);
    }
  }

  private count(route: string, rawMethod: string | undefined, status: number, started: number) {
    const method = METHODS[rawMethod ?? ''] ?? 'other';
    const statusClass = STATUS_CLASSES[Math.min(5, Math.floor(status / 100))] ?? '5xx';
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
  }
}

/** Fastify's onRequest hook (after routing): the raw request points at the routed one. */
function linkRouted(request: { raw: IncomingMessage }, _reply: unknown, done: () => void): void {
  (request.raw as RoutedRequest)[ROUTED] = request as unknown as RoutedRequest;
  done();
}

/** One function for every response ('finish' calls it with the response as `this`). */
function onFinish(this: TimedResponse): void {
  this[RECORDER]?.record(this.req, this);
}

/**
 * Express: module middleware for every route (`forRoutes('{*path}')`, as ApiKeyModule's) is
 * mounted as a route, which leaves `req.route` set on a request no controller route matched.
 */
const CATCH_ALL_PATHS: ReadonlySet<string> = new Set(['/{*path}', '{*path}', '*', '/*']);

/** The route template (`/v1/stations/:id`), never the raw path: a bounded label. */
export function routeTemplateOf(req: RoutedRequest): string {
  const path = req.route?.path;
  if (typeof path === 'string' && !CATCH_ALL_PATHS.has(path)) {
    return req.baseUrl ? req.baseUrl + path : path;
  }
  const url = req.routeOptions?.url;
  return typeof url === 'string' ? url : UNMATCHED_ROUTE;
}

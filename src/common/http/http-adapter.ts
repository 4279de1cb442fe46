import type { HttpServer } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AppConfig, TrustProxy } from '../../config/app-config';
import { parseJsonBody } from './json-body';
import { newRequestId } from './request-id';

/** The JSON body limit on both adapters: past it, 413 problem+json. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * The HTTP adapter HTTP_ADAPTER names. Fastify is the default: its floor is about five times
 * Express's (see the README's Benchmark section). Everything the app relies on is set here or
 * in configureApp so both behave the same: client IP from TRUST_PROXY only, our request ids,
 * `/path/` routed as `/path` (Express's non-strict routing), the same body limit and parser.
 */
export function createHttpAdapter(config: AppConfig): AbstractHttpAdapter {
  if (config.httpAdapter === 'express') return new ExpressAdapter();
  const middleware: NodeMiddleware[] = [];
  return new AppFastifyAdapter(middleware, {
    trustProxy: fastifyTrustProxy(config.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    // Ours, always: a client's X-Request-Id is never taken as the server's id.
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    routerOptions: {
      ignoreTrailingSlash: true,
      // Express has no limit of its own here: path ids are checked by their pipes (400).
      maxParamLength: 500,
    },
    // Typed by Fastify for every kind of server and reply; used with the plain HTTP one.
    frameworkErrors: refusedByRouter(middleware) as never,
  });
}

/**
 * A URL the router cannot even decode is refused before any hook. On Express the app's
 * middleware runs first (headers, request id, per-IP limit), so it runs here too.
 */
function refusedByRouter(middleware: readonly NodeMiddleware[]) {
  return (error: Error, request: RefusedRequest, reply: RefusedReply): void => {
    const raw = request.raw as IncomingMessage & { id?: unknown; ip?: unknown };
    raw.id = request.id;
    raw.ip = request.ip;
    runMiddleware(middleware, raw, reply.raw, (failure) => {
      if (reply.sent || reply.raw.writableEnded) return;
      // The instance's error handler as it is now (Nest's, set at init): the router's own
      // context keeps Fastify's default, which answers plain JSON, not problem+json.
      const server = request.server;
      server.errorHandler.call(server, failure instanceof Error ? failure : error, request, reply);
    });
  };
}

/** What the router's error callback is given, as far as it is used here. */
interface RefusedRequest {
  id: string;
  ip: string;
  raw: IncomingMessage;
  server: {
    errorHandler: (error: Error, request: RefusedRequest, reply: RefusedReply) => unknown;
  };
}
interface RefusedReply {
  sent: boolean;
  raw: ServerResponse;
}

type FastifyHttpOptions = NonNullable<ConstructorParameters<typeof FastifyAdapter<Server>>[0]>;

type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => unknown;

/** Notes each app-wide `app.use(fn)`, so that requests the router refuses still meet them. */
class AppFastifyAdapter extends FastifyAdapter {
  constructor(
    private readonly middleware: NodeMiddleware[],
    options: FastifyHttpOptions,
  ) {
    super(options);
  }

  override use(...args: unknown[]): this {
    if (args.length === 1 && typeof args[0] === 'function') {
      this.middleware.push(args[0] as NodeMiddleware);
    }
    super.use(...args);
    return this;
  }
}

function runMiddleware(
  chain: readonly NodeMiddleware[],
  req: IncomingMessage,
  res: ServerResponse,
  done: (error?: unknown) => void,
): void {
  let index = 0;
  const next = (error?: unknown): void => {
    if (error !== undefined && error !== null) return done(error);
    if (res.writableEnded) return undefined;
    const fn = chain[index++];
    if (fn === undefined) return done();
    try {
      fn(req, res, next);
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

/**
 * Express reads a hop count as "trust the n closest proxies" (proxy-addr's `i < n`); Fastify 5
 * refuses a bare number (it cannot check the peer), so the same rule is handed over as a
 * function. Addresses, subnets and the named ranges both read alike (proxy-addr).
 */
function fastifyTrustProxy(
  trustProxy: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy !== 'number') return trustProxy;
  return (_address, hop) => hop < trustProxy;
}

/** Installs the JSON parser (the only one: any other body type has met the 415 gate already). */
export function useJsonBodyParser(adapter: HttpServer): void {
  if (adapter.getType() === 'express') {
    (adapter as ExpressAdapter).useBodyParser('json', false, {
      limit: BODY_LIMIT_BYTES,
      strict: true,
    });
    return;
  }
  const fastify = (adapter as FastifyAdapter).getInstance();
  // Fastify also parses text/plain by default; nothing but JSON reaches a handler.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}

/** Express's `trust proxy` setting (Fastify took it in its constructor above). */
export function applyTrustProxy(adapter: HttpServer, config: AppConfig): void {
  if (adapter.getType() === 'express') {
    (adapter as ExpressAdapter).set('trust proxy', config.trustProxy);
  }
}

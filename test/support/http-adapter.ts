import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { HttpAdapterName } from '../../src/config/app-config';

/**
 * The adapter the tests run on: HTTP_ADAPTER from the environment, Fastify by default, as in the
 * app. CI runs the whole suite once on each (see .ci/run).
 */
export const TEST_HTTP_ADAPTER: HttpAdapterName =
  process.env.HTTP_ADAPTER === 'express' ? 'express' : 'fastify';

/** Nest's Express parser takes 100 kB; Fastify's default (1 MiB) is brought to the same. */
const PLAIN_BODY_LIMIT_BYTES = 100 * 1024;

/**
 * A bare adapter of that kind for a layer host (test/layers): what a host app gets from
 * `NestFactory.create(Module)` on Express, or with `new FastifyAdapter()` on Fastify.
 */
export function testHttpAdapter(fastifyOptions: FastifyOptions = {}): AbstractHttpAdapter {
  return TEST_HTTP_ADAPTER === 'express'
    ? new ExpressAdapter()
    : new FastifyAdapter({ bodyLimit: PLAIN_BODY_LIMIT_BYTES, ...fastifyOptions });
}

/** Options of a Fastify host (ignored on Express). */
export type FastifyOptions = NonNullable<ConstructorParameters<typeof FastifyAdapter>[0]>;

/**
 * After `app.init()`: Fastify loads its plugins (CORS, middie) and builds its router in
 * `ready()`, which `listen()` calls. supertest talks to the bare server, so it is called here.
 */
export async function readyToServe(app: INestApplication): Promise<void> {
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'fastify') {
    await (adapter.getInstance() as { ready(): PromiseLike<unknown> }).ready();
  }
}

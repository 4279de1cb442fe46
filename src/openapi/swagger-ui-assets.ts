import type { INestApplication } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The files the Swagger UI page loads: named one by one, never a directory. */
const UI_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

interface FastifyRoutes {
  register: (plugin: unknown, options?: unknown) => unknown;
  get(
    path: string,
    handler: (
      request: { params: { file: string } },
      reply: { callNotFound(): void; type(value: string): { send(body: Buffer): unknown } },
    ) => Promise<unknown>,
  ): unknown;
}

/**
 * Runs `setup` (SwaggerModule.setup) so that, on Fastify, the UI's assets are served from the
 * allow-list above instead of by @fastify/static, which Swagger registers there and which this
 * app does not depend on (a missing plugin would end the process at start-up). On Express,
 * Swagger's own static middleware serves them, as before.
 */
export function withSwaggerUiAssets(app: INestApplication, prefix: string, setup: () => void) {
  const adapter = app.getHttpAdapter();
  if (adapter.getType() !== 'fastify') {
    setup();
    return;
  }
  const fastify = adapter.getInstance() as FastifyRoutes;
  const register = fastify.register;
  let staticRequested = false;
  // The one plugin SwaggerModule.setup registers is its static-assets plugin.
  fastify.register = () => {
    staticRequested = true;
    return fastify;
  };
  try {
    setup();
  } finally {
    fastify.register = register;
  }
  if (!staticRequested) return;
  const root = dirname(
    require.resolve('swagger-ui-dist/package.json', {
      paths: [require.resolve('@nestjs/swagger')],
    }),
  );
  fastify.get(`/${prefix}/:file`, async (request, reply) => {
    const file = request.params.file;
    const type = Object.hasOwn(UI_ASSETS, file) ? UI_ASSETS[file] : undefined;
    if (type === undefined) return reply.callNotFound();
    return reply.type(type).send(await readFile(join(root, file)));
  });
}

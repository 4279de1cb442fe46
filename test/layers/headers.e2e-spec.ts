import { Body, Controller, Get, Header, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { Response } from 'supertest';
import { SecurityHeadersModule } from '../../src/security/headers/security-headers.module';
import { readyToServe, testHttpAdapter } from '../support/http-adapter';
import { LayerApp, startLayerApp } from '../support/layer-app';

/**
 * The headers layer alone: SecurityHeadersModule.forRoot and a demo controller, on a plain Nest
 * app with Nest's own JSON parser (100 kB default). No request id, no JSON gate, no
 * problem+json filter: every header below comes from the layer.
 */

const ALLOWED_ORIGIN = 'https://app.example';
const EXTRA_EXPOSED = 'X-Demo-Budget';

let calls = 0;

@Controller('demo')
class DemoController {
  @Get()
  read(): { ok: true } {
    calls += 1;
    return { ok: true };
  }

  @Post()
  create(@Body() body: unknown): { received: boolean } {
    calls += 1;
    return { received: body !== undefined };
  }
}

@Controller('docs')
class DemoDocsController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return '<!doctype html><title>docs</title>';
  }
}

/** The strict API policy and the rest of the hardened set, on any response. */
function expectApiHeaders(res: Response): void {
  const csp = res.headers['content-security-policy'];
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('script-src');
  expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(res.headers['x-powered-by']).toBeUndefined();
}

function expectNoCorsGrant(res: Response): void {
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  expect(res.headers['access-control-allow-methods']).toBeUndefined();
}

describe('headers layer alone (e2e)', () => {
  let host: LayerApp;

  beforeAll(async () => {
    host = await startLayerApp({
      imports: [
        SecurityHeadersModule.forRoot({
          corsOrigins: [ALLOWED_ORIGIN],
          docsPath: '/docs',
          exposedHeaders: [EXTRA_EXPOSED],
        }),
      ],
      controllers: [DemoController, DemoDocsController],
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  beforeEach(() => {
    calls = 0;
  });

  it('sets the hardened headers on a 200', async () => {
    const res = await request(host.server).get('/demo');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expectApiHeaders(res);
    expect(calls).toBe(1);
  });

  it('sets them on a 404 for an unknown route', async () => {
    const res = await request(host.server).get('/nope');
    expect(res.status).toBe(404);
    expectApiHeaders(res);
  });

  it("sets them on a 413 from Nest's own body parser: installed before the parser", async () => {
    const body = JSON.stringify({ filler: 'x'.repeat(200 * 1024) });
    const res = await request(host.server)
      .post('/demo')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.status).toBe(413);
    expectApiHeaders(res);
    expect(calls).toBe(0);
  });

  it('gives the docs path its own CSP (and only the docs path)', async () => {
    for (const path of ['/docs', '/docs/swagger-ui.js']) {
      const res = await request(host.server).get(path);
      expect([200, 404]).toContain(res.status);
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("default-src 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect((await request(host.server).get('/docs')).status).toBe(200);
    // A sibling path that merely starts with the same letters keeps the API policy.
    expectApiHeaders(await request(host.server).get('/docs-json'));
  });

  it('grants an allowed origin on a simple request, without credentials', async () => {
    const res = await request(host.server).get('/demo').set('Origin', ALLOWED_ORIGIN);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(res.headers.vary).toMatch(/Origin/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const exposed = res.headers['access-control-expose-headers'];
    expect(exposed).toContain('X-Request-Id');
    expect(exposed).toContain('Retry-After');
    expect(exposed).toContain(EXTRA_EXPOSED);
    expectApiHeaders(res);
  });

  it('answers a preflight from an allowed origin without reaching the handler', async () => {
    const res = await request(host.server)
      .options('/demo')
      .set('Origin', ALLOWED_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(res.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(calls).toBe(0);
  });

  it.each(['https://evil.example', 'null', `${ALLOWED_ORIGIN}.evil.example`])(
    'grants Origin %j nothing, on a simple request and on a preflight',
    async (origin) => {
      const get = await request(host.server).get('/demo').set('Origin', origin);
      expect(get.status).toBe(200);
      expectNoCorsGrant(get);
      expectApiHeaders(get);

      const preflight = await request(host.server)
        .options('/demo')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.status).not.toBe(204);
      expectNoCorsGrant(preflight);
    },
  );
});

describe('headers layer: other ways a host is built', () => {
  const layer = () => SecurityHeadersModule.forRoot({ corsOrigins: [ALLOWED_ORIGIN] });

  it('@nestjs/testing (the adapter arrives late): still installed before the parser', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [layer()],
      controllers: [DemoController],
    }).compile();
    const app = moduleRef.createNestApplication(testHttpAdapter(), { logger: false });
    await app.init();
    await readyToServe(app);
    try {
      calls = 0;
      const big = await request(app.getHttpServer())
        .post('/demo')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ filler: 'x'.repeat(200 * 1024) }));
      expect(big.status).toBe(413);
      expectApiHeaders(big);
      expect(calls).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('refuses to start on an adapter it cannot protect, rather than serve without headers', async () => {
    class UnknownAdapter extends ExpressAdapter {
      override getType(): string {
        return 'koa';
      }
    }
    @Module({ imports: [layer()], controllers: [DemoController] })
    class Host {}
    await expect(
      NestFactory.create(Host, new UnknownAdapter(), { logger: false, abortOnError: false }),
    ).rejects.toThrow(/Express and Fastify, not koa/);

    const moduleRef = await Test.createTestingModule({ imports: [Host] }).compile();
    const app = moduleRef.createNestApplication(new UnknownAdapter(), { logger: false });
    await expect(app.init()).rejects.toThrow(/Express and Fastify, not koa/);
  });
});

import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { AbstractHttpAdapter, HttpAdapterHost } from '@nestjs/core';
import { buildCorsOptions } from './cors-options';
import { securityHeadersMiddleware } from './security-headers.middleware';
import { optionsCheck } from '../../common/options/options-check.provider';
import { ConfigurableSecurityHeadersModule } from './security-headers.module-definition';
import {
  SECURITY_HEADERS_OPTIONS,
  SecurityHeadersOptions,
  validateSecurityHeadersOptions,
} from './security-headers.options';

/**
 * Installs the headers middleware and CORS on the HTTP adapter when this provider is built.
 *
 * Why here and not in `configure()` or `onModuleInit()`: Nest module middleware runs after the
 * body parser, so a 413 or 415 would leave without the headers; and by `onModuleInit` the parser
 * and the routes are already registered. NestFactory.create puts the adapter on HttpAdapterHost
 * (container.setHttpAdapter) before it builds any provider (createInstancesOfDependencies), so
 * here it is already set, and the middleware goes in before Nest's or the host's parser and
 * before any route. With @nestjs/testing the adapter arrives later, in createNestApplication,
 * which is still before both: `init$` (a replay subject) covers that case. An application
 * context without HTTP (a CLI) has a null adapter and nothing to protect.
 */
@Injectable()
export class SecurityHeadersInstaller implements OnModuleInit {
  /** A refusal met in the late (testing) path, thrown from app.init() instead of a subscriber. */
  private failure?: Error;

  constructor(
    adapterHost: HttpAdapterHost,
    @Inject(SECURITY_HEADERS_OPTIONS) private readonly options: SecurityHeadersOptions,
  ) {
    if (adapterHost.httpAdapter) this.install(adapterHost.httpAdapter);
    else
      adapterHost.init$.subscribe(() => {
        try {
          if (adapterHost.httpAdapter) this.install(adapterHost.httpAdapter);
        } catch (error) {
          this.failure = error instanceof Error ? error : new Error(String(error));
        }
      });
  }

  onModuleInit(): void {
    if (this.failure) throw this.failure;
  }

  private install(adapter: AbstractHttpAdapter): void {
    const type = adapter.getType();
    if (type !== 'express' && type !== 'fastify') {
      // A server without its headers would fail open: refuse to start instead.
      throw new Error(`SecurityHeadersModule supports Express and Fastify, not ${type}`);
    }
    // Fastify sends no X-Powered-By; Express does unless told not to.
    if (type === 'express') {
      adapter.getInstance<{ disable(setting: string): void }>().disable('x-powered-by');
    }
    // Node-level middleware: Express runs it first in its stack; Fastify through @fastify/middie
    // (registered by NestFactory.create before any provider is built), first among app.use().
    adapter.use(securityHeadersMiddleware(this.options.docsPath));
    // Both adapters run CORS before any middleware (Fastify: @fastify/cors in an onRequest hook).
    adapter.enableCors(buildCorsOptions(this.options.corsOrigins, this.options.exposedHeaders));
  }
}

/**
 * Security headers and CORS (API8:2023) on every response, including body-parser errors and
 * unknown routes. The host registers nothing itself: importing the module installs both.
 */
@Module({
  providers: [
    optionsCheck(SECURITY_HEADERS_OPTIONS, validateSecurityHeadersOptions), // a bad one stops the start
    SecurityHeadersInstaller,
  ],
})
export class SecurityHeadersModule extends ConfigurableSecurityHeadersModule {}

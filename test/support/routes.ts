import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import {
  AbstractHttpAdapter,
  DiscoveryService,
  MetadataScanner,
  ModulesContainer,
  Reflector,
} from '@nestjs/core';
import type { Express } from 'express';
import { RoutePolicy, readPolicy } from '../../src/security/authorization/route-policy';
import { HTTP_METHODS } from './openapi';
import type { TestApp } from './test-app';

/**
 * The routes of the running app, read two ways: as Nest registered them (with the policy the
 * guards will read for each) and as the HTTP platform (Express or Fastify) serves them.
 */

export interface RegisteredRoute {
  /** e.g. `GET /v1/stations/:id` */
  name: string;
  method: string;
  path: string;
  /** `Controller.handler`, for failure messages. */
  handler: string;
  policy: RoutePolicy;
}

function pathsOf(metadata: unknown): string[] {
  if (metadata === undefined) return [''];
  return Array.isArray(metadata) ? (metadata as string[]) : [metadata as string];
}

function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** The routes one controller class declares, with the policy the guards will read for each. */
export function routesOf(reflector: Reflector, controller: Type): RegisteredRoute[] {
  const prototype = controller.prototype as Record<string, unknown>;
  const routes: RegisteredRoute[] = [];
  for (const name of new MetadataScanner().getAllMethodNames(prototype)) {
    const handler = prototype[name] as (...args: unknown[]) => unknown;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (method === undefined) continue;
    for (const base of pathsOf(Reflect.getMetadata(PATH_METADATA, controller))) {
      for (const sub of pathsOf(Reflect.getMetadata(PATH_METADATA, handler))) {
        const path = joinPath(base, sub);
        const verb = RequestMethod[method];
        routes.push({
          name: `${verb} ${path}`,
          method: verb,
          path,
          handler: `${controller.name}.${name}`,
          policy: readPolicy(reflector, handler, controller),
        });
      }
    }
  }
  return routes;
}

/** Every route of every controller the app registered (Nest's DiscoveryService), sorted. */
export function registeredRoutes(app: INestApplication): RegisteredRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const reflector = app.get(Reflector);
  const controllers = new Set<Type>();
  for (const wrapper of discovery.getControllers()) {
    if (wrapper.metatype) controllers.add(wrapper.metatype as Type);
  }
  return [...controllers]
    .flatMap((controller) => routesOf(reflector, controller))
    .sort((x, y) => x.name.localeCompare(y.name));
}

/**
 * What is wrong with a route's declared policy, if anything: default deny means every route
 * says either @Public() or which credentials it takes, and a route open to API keys names
 * the scopes they need.
 */
export function policyProblems(route: RegisteredRoute): string[] {
  const { isPublic, credentials, scopes } = route.policy;
  const problems: string[] = [];
  if (!isPublic && (!credentials || credentials.length === 0)) {
    problems.push('neither @Public() nor @Credentials(...)');
  }
  if (credentials?.includes('api-key') && (!scopes || scopes.length === 0)) {
    problems.push("accepts 'api-key' without @Scopes(...)");
  }
  return problems.map((problem) => `${route.name} (${route.handler}): ${problem}`);
}

/** A concrete path for a route template: every `:param` becomes a well-formed, unknown uuid. */
export function concretePath(path: string): string {
  return path.replace(/:[A-Za-z]+/g, '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11');
}

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

export interface ServedRoute {
  method: string;
  path: string;
}

/**
 * Records the routes the HTTP platform itself will serve (handlers added straight on it
 * included, which Nest's guards never see), for `servedRoutes(t)`. Call on the adapter before
 * the app is built: Fastify reports routes only as they are added (its onRoute hook), while
 * Express's router is read when asked.
 */
export function recordServedRoutes(adapter: AbstractHttpAdapter): () => ServedRoute[] {
  if (adapter.getType() === 'express') {
    return () => {
      const express: Express = adapter.getInstance();
      const layers = (express.router as unknown as { stack: RouterLayer[] }).stack;
      return layers.flatMap((layer) => {
        const path = layer.route?.path;
        if (typeof path !== 'string') return [];
        return Object.keys(layer.route?.methods ?? {})
          .filter((method) => HTTP_METHODS.includes(method) && method !== '_all')
          .map((method) => ({ method: method.toUpperCase(), path }));
      });
    };
  }
  const routes: ServedRoute[] = [];
  const fastify = adapter.getInstance<{
    addHook(
      name: 'onRoute',
      hook: (route: { method: string | string[]; url: string }) => void,
    ): unknown;
  }>();
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, path: route.url });
  });
  return () => {
    // Fastify answers HEAD for every GET route by itself, as Express does without a route.
    const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.path));
    return routes.filter(
      (r) =>
        HTTP_METHODS.includes(r.method.toLowerCase()) && !(r.method === 'HEAD' && gets.has(r.path)),
    );
  };
}

/** `GET /v1/stations/:id` for every route the HTTP platform of the running app serves. */
export function servedRoutes(t: TestApp): ServedRoute[] {
  return t.servedRoutes();
}

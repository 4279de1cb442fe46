import type { Server } from 'node:http';
import type { HttpServerLimits } from '../../config/app-config';

/**
 * Applies the HTTP server limits. Call before listen: Node starts its deadline checker when the
 * server starts listening, and checks only every `connectionsCheckingInterval` (30 s by
 * default, which would stretch a 10 s head deadline to 40 s).
 */
export function applyServerLimits(server: Server, limits: HttpServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.max(250, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4)));
}

import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './test-app';

/** Outbound connections of the process, observed at the socket (SSRF, unsafe consumption). */

export interface Connection {
  host: string;
  port: number;
}

function connectionOf(args: unknown[]): Connection | undefined {
  const [first, second] = args;
  // net.connect() / tls.connect() hand the socket their normalised arguments as one array.
  if (Array.isArray(first)) return connectionOf(first);
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    const options = first as { host?: string; port?: number | string; path?: string };
    if (options.path !== undefined) return undefined; // a Unix socket, not the network
    return { host: options.host ?? 'localhost', port: Number(options.port) };
  }
  if (typeof first === 'number' || typeof first === 'string') {
    return { host: typeof second === 'string' ? second : 'localhost', port: Number(first) };
  }
  return undefined;
}

/**
 * Runs `work` against the app listening on a loopback port and returns every TCP connection the
 * process opened meanwhile, except the test client's own connections to the app and the app's
 * connections to its database (and Redis, when configured). `Socket.prototype.connect` is
 * wrapped, not mocked: every connection still happens, it is only noted.
 */
export async function outboundConnectionsDuring(
  t: TestApp,
  work: (server: string) => Promise<void>,
): Promise<Connection[]> {
  if (!t.server.listening) {
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', () => resolve()));
  }
  const appPort = (t.server.address() as AddressInfo).port;
  const expected = new Set<number>([appPort]);
  const databaseUrl = (t.dataSource.options as { url?: string }).url;
  if (databaseUrl) expected.add(Number(new URL(databaseUrl).port || 5432));
  if (t.config.redisUrl) expected.add(Number(new URL(t.config.redisUrl).port || 6379));

  const seen: Connection[] = [];
  type Connect = (this: Socket, ...args: unknown[]) => Socket;
  const prototype = Socket.prototype as unknown as { connect: Connect };
  const original = prototype.connect;
  prototype.connect = function observedConnect(this: Socket, ...args: unknown[]): Socket {
    const connection = connectionOf(args);
    if (connection) seen.push(connection);
    return original.apply(this, args);
  };
  try {
    await work(`http://127.0.0.1:${appPort}`);
  } finally {
    prototype.connect = original;
  }
  return seen.filter((c) => !expected.has(c.port));
}

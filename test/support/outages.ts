import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';
import { waitFor } from './wait';

/**
 * Real outages for the fault tests (test/faults): a redis-server of the test's own that it
 * stops and starts, and a TCP proxy in front of the database that it cuts and restores. Only
 * 127.0.0.1, bounded waits, no timing assertions.
 */

/** A free loopback port (the OS picks it; a race with another process is very unlikely). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const REDIS_SERVER_AVAILABLE = spawnSync('redis-server', ['--version']).status === 0;

/** A throwaway redis-server on its own port: no persistence, stopped and started by the test. */
export class OwnRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    await waitFor(`redis-server on port ${this.port}`, () => canConnect(this.port), {
      timeoutMs: 15_000,
    });
  }

  /** Kills the server (like a crash) and waits until its port refuses connections. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitFor(`port ${this.port} to close`, async () => !(await canConnect(this.port)));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A TCP proxy from a loopback port to the database. `cut()` destroys every open connection and
 * refuses new ones (the server "went away"); `restore()` lets connections through again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private open = true;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const ref: { proxy?: TcpProxy } = {};
    const server = createServer((client) => {
      const proxy = ref.proxy;
      if (!proxy?.open) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, targetHost);
      proxy.track(client);
      proxy.track(upstream);
      client.pipe(upstream).pipe(client);
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.once('error', close).once('close', close);
      upstream.once('error', close).once('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ref.proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return ref.proxy;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

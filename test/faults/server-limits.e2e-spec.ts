import type { AddressInfo } from 'node:net';
import { Socket, connect } from 'node:net';
import type { Server } from 'node:http';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { applyServerLimits } from '../../src/common/http/server-limits';
import { loadConfig } from '../../src/config/load-config';
import { ConfigError } from '../../src/config/env-parsers';

/**
 * The HTTP server limits against the real listening server (raw sockets, 127.0.0.1): a client
 * that sends its headers or its body too slowly is cut off with 408, and connections past the
 * cap are refused. The limits are set small here; the defaults are 10 s / 30 s / 1000.
 */
const LIMITS = {
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  keepAliveTimeoutMs: 1000,
  maxConnections: 5,
};

let t: TestApp;
let port: number;

beforeAll(async () => {
  t = await startTestApp();
  const server = t.app.getHttpServer() as Server;
  applyServerLimits(server, LIMITS);
  await t.app.listen(0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => t.close());

/** A raw client: what it received, and whether the server closed it. */
function rawClient(): { socket: Socket; received: () => string; closed: () => boolean } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { socket, received: () => data, closed: () => closed };
}

/** Sends one byte every `everyMs` until stopped: each byte is progress, so idle timers never fire. */
function dribble(socket: Socket, text: string, everyMs = 200): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[i % text.length]);
    i += 1;
  }, everyMs);
  return () => clearInterval(timer);
}

it('slow headers (a byte every 200 ms, never finished) get 408 and the connection closed', async () => {
  const c = rawClient();
  c.socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const stop = dribble(c.socket, 'X-Slow: aaaa\r\n');
  try {
    await waitFor('the server to close the slow-headers connection', c.closed, {
      timeoutMs: 20_000,
    });
  } finally {
    stop();
  }
  expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
});

it('a slow body (declared 10 kB, a byte every 200 ms) gets 408 and the connection closed', async () => {
  const c = rawClient();
  c.socket.write(
    `POST /v1/stations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Authorization: ${t.auth.Authorization}\r\nContent-Length: 10000\r\n\r\n{"code":"`,
  );
  const stop = dribble(c.socket, 'A');
  try {
    await waitFor('the server to close the slow-body connection', c.closed, { timeoutMs: 20_000 });
  } finally {
    stop();
  }
  expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
});

it('connections past HTTP_MAX_CONNECTIONS are closed at once; the held ones still work', async () => {
  const held = Array.from({ length: LIMITS.maxConnections }, () => rawClient());
  await waitFor('the held connections to be accepted', () =>
    Promise.resolve(
      (t.app.getHttpServer() as Server & { _connections: number })._connections >=
        LIMITS.maxConnections,
    ),
  );
  const extra = rawClient();
  await waitFor('the extra connection to be refused', extra.closed, { timeoutMs: 10_000 });
  expect(extra.received()).toBe('');
  held[0].socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  await waitFor('a held connection to be answered', held[0].closed, { timeoutMs: 10_000 });
  expect(held[0].received()).toMatch(/^HTTP\/1\.1 200 /);
  for (const c of held) c.socket.destroy();
});

it('the limits are validated settings with safe defaults', () => {
  expect(loadConfig({}).http).toEqual({
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 5000,
    maxConnections: 1000,
  });
  expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: '0' })).toThrow(ConfigError);
  expect(() =>
    loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }),
  ).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
});

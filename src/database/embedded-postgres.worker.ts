import { mkdirSync } from 'node:fs';
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded database's own thread: PGlite (PostgreSQL compiled to WASM) and its
 * pglite-socket server. The WASM Postgres is CPU-bound and synchronous, so on the app's thread
 * it stalled the event loop for every query; here it runs on another core. It imports nothing
 * from the app: the thread's one job is to serve the database on a loopback port.
 */
export interface EmbeddedPostgresWorkerData {
  dataDir: string;
}

/** Parent -> worker. */
export type EmbeddedPostgresCommand = { type: 'stop' };

/** Worker -> parent. A failure is not a message: it is the Worker's 'error' event. */
export type EmbeddedPostgresEvent = { type: 'listening'; port: number } | { type: 'stopped' };

async function serve(port: MessagePort, { dataDir }: EmbeddedPostgresWorkerData): Promise<void> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, { extensions: { pgcrypto } });
  // PGlite runs one query at a time; one connection avoids queueing surprises.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();

  port.once('message', (command: EmbeddedPostgresCommand) => {
    if (command.type !== 'stop') return;
    void (async () => {
      // Stops listening, then closes PGlite, which flushes its files to disk. With the server
      // and the port closed the thread has nothing left to do, and ends (exit code 0).
      await server.stop();
      if (!db.closed) await db.close();
      port.postMessage({ type: 'stopped' } satisfies EmbeddedPostgresEvent);
      port.close();
    })();
  });
  const listening = Number(server.getServerConn().split(':').pop());
  port.postMessage({ type: 'listening', port: listening } satisfies EmbeddedPostgresEvent);
}

// A rejection here is an uncaught error of the thread: the parent gets it as 'error', then 'exit'.
if (parentPort) void serve(parentPort, workerData as EmbeddedPostgresWorkerData);

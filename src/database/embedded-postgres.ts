import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type {
  EmbeddedPostgresCommand,
  EmbeddedPostgresEvent,
  EmbeddedPostgresWorkerData,
} from './embedded-postgres.worker';

/** First start on a new data dir runs initdb in WASM: seconds, more on a busy machine. */
const START_TIMEOUT_MS = 60_000;
/** Closing flushes PGlite's files; past this the thread is cut and the files may be stale. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * Real PostgreSQL compiled to WASM (PGlite), served over the Postgres wire protocol on a
 * loopback port picked by the OS. The app then talks to it with the ordinary `pg` driver,
 * so the embedded and the server database share one code path.
 *
 * PGlite and its socket server run in a worker thread (embedded-postgres.worker.ts), so the
 * WASM Postgres uses a core of its own instead of stalling the app's event loop. If the thread
 * dies, its port closes with it: queries in flight and new ones fail at once (connection reset
 * or refused, which the app answers with 503), and `onLost` listeners hear why.
 */
export class EmbeddedPostgres {
  private stopping = false;
  private ended = false;
  private readonly exited: Promise<void>;
  private readonly lostListeners: Array<(reason: Error) => void> = [];

  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {
    let failure: Error | undefined;
    worker.on('error', (error) => (failure = error));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.ended = true;
        resolve();
        if (this.stopping) return;
        const reason = new Error(
          `the embedded database thread ended (${failure ? failure.message : `exit code ${code}`})`,
          { cause: failure },
        );
        for (const listener of this.lostListeners) listener(reason);
      }),
    );
  }

  /** Starts the thread and resolves once it listens; fails (never hangs) if it cannot. */
  static async start(
    dataDir: string,
    { startTimeoutMs = START_TIMEOUT_MS }: { startTimeoutMs?: number } = {},
  ): Promise<EmbeddedPostgres> {
    const worker = spawnWorker({ dataDir });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`the embedded database did not start within ${startTimeoutMs} ms`)),
          startTimeoutMs,
        );
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          outcome();
        };
        worker.once('message', (event: EmbeddedPostgresEvent) =>
          settle(() =>
            event.type === 'listening'
              ? resolve(event.port)
              : reject(new Error(`unexpected ${event.type}`)),
          ),
        );
        worker.once('error', (error) => settle(() => reject(error)));
        worker.once('exit', (code) =>
          settle(() => reject(new Error(`the embedded database thread exited (code ${code})`))),
        );
      });
      // The start's own listeners are done; the instance adds those it keeps.
      worker.removeAllListeners();
      return new EmbeddedPostgres(worker, `postgresql://postgres@127.0.0.1:${port}/postgres`);
    } catch (error) {
      worker.removeAllListeners();
      await worker.terminate();
      throw error;
    }
  }

  /** Called once if the thread ends without stop(): the database is gone for good. */
  onLost(listener: (reason: Error) => void): void {
    this.lostListeners.push(listener);
  }

  /**
   * Stops listening, then closes PGlite, which flushes its files to disk, and waits for the
   * thread to end. Call it after the app's connections are closed.
   */
  async stop(): Promise<void> {
    // Already lost: there is nothing left to flush, and onLost said why.
    if (this.stopping || this.ended) return this.exited;
    this.stopping = true;
    const stopped = new Promise<'stopped' | Error>((resolve) => {
      this.worker.once('message', (event: EmbeddedPostgresEvent) =>
        resolve(event.type === 'stopped' ? 'stopped' : new Error(`unexpected ${event.type}`)),
      );
      this.worker.once('error', resolve);
      this.worker.once('exit', () => resolve(new Error('the thread ended before it closed')));
    });
    this.worker.postMessage({ type: 'stop' } satisfies EmbeddedPostgresCommand);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      stopped,
      new Promise<Error>((resolve) => {
        timer = setTimeout(
          () => resolve(new Error(`it did not close within ${STOP_TIMEOUT_MS} ms`)),
          STOP_TIMEOUT_MS,
        );
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'stopped') await this.worker.terminate();
    await this.exited;
    if (outcome !== 'stopped') {
      throw new Error(`closing the embedded database failed: ${outcome.message}`, {
        cause: outcome,
      });
    }
  }
}

/**
 * The built app (dist/) runs the compiled embedded-postgres.worker.js beside this file. Run
 * from source (Jest, ts-node) there is only the .ts file, and a worker thread does not inherit
 * the parent's transpiler: it registers ts-node (a dev dependency) for itself.
 */
function spawnWorker(data: EmbeddedPostgresWorkerData): Worker {
  const compiled = join(__dirname, 'embedded-postgres.worker.js');
  if (existsSync(compiled)) return new Worker(compiled, { workerData: data });
  return new Worker(join(__dirname, 'embedded-postgres.worker.ts'), {
    workerData: data,
    execArgv: ['--require', 'ts-node/register/transpile-only'],
  });
}

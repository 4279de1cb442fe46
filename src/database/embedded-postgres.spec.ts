import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import { EmbeddedPostgres } from './embedded-postgres';

/**
 * The embedded database in its worker thread, through the ordinary `pg` driver: it starts (or
 * fails to, with a reason and within a bound), keeps its files across a stop and a start, and
 * a thread that dies is a loud, fast failure, never a hang.
 */
let dir: string;
const running = new Set<EmbeddedPostgres>();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weather-pglite-worker-'));
});
afterEach(async () => {
  for (const db of running) await db.stop();
  running.clear();
  rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<EmbeddedPostgres> {
  const db = await EmbeddedPostgres.start(dataDir);
  running.add(db);
  return db;
}

async function connect(db: EmbeddedPostgres): Promise<Client> {
  const client = new Client({ connectionString: db.url, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

/** The thread itself, to kill it as a crash would (there is no API for that, on purpose). */
const threadOf = (db: EmbeddedPostgres): Worker => (db as unknown as { worker: Worker }).worker;

it('serves SQL on a loopback port, from a thread of its own', async () => {
  const db = await start('memory://');
  expect(new URL(db.url).hostname).toBe('127.0.0.1');
  expect(threadOf(db).threadId).toBeGreaterThan(0);
  const client = await connect(db);
  const { rows } = await client.query<{ n: number }>('SELECT 40 + $1::int AS n', [2]);
  expect(rows).toEqual([{ n: 42 }]);
  await client.end();
});

it('flushes to the data dir on stop: a write is there after a restart', async () => {
  const first = await start(dir);
  const writer = await connect(first);
  await writer.query('CREATE TABLE kept (v text)');
  await writer.query("INSERT INTO kept VALUES ('survives')");
  await writer.end();
  running.delete(first);
  await first.stop();

  const second = await start(dir);
  const reader = await connect(second);
  expect((await reader.query('SELECT v FROM kept')).rows).toEqual([{ v: 'survives' }]);
  await reader.end();
});

it('fails to start with the reason when the data dir cannot be used', async () => {
  const notADir = join(dir, 'file');
  writeFileSync(notADir, 'x');
  await expect(EmbeddedPostgres.start(join(notADir, 'pglite'))).rejects.toThrow(/ENOTDIR|EEXIST/);
});

it('gives up on a start that does not finish in time, and ends the thread', async () => {
  const started = Date.now();
  await expect(EmbeddedPostgres.start('memory://', { startTimeoutMs: 1 })).rejects.toThrow(
    'the embedded database did not start within 1 ms',
  );
  expect(Date.now() - started).toBeLessThan(5000);
});

it('a thread that dies fails queries in flight and new ones fast, and says why', async () => {
  const db = await start('memory://');
  const lost = new Promise<Error>((resolve) => db.onLost(resolve));
  const client = await connect(db);
  client.on('error', () => undefined);
  const inFlight = client.query('SELECT pg_sleep(30)');

  const killedAt = Date.now();
  await threadOf(db).terminate();

  await expect(inFlight).rejects.toThrow();
  expect((await lost).message).toMatch(/^the embedded database thread ended/);
  await expect(connect(db)).rejects.toThrow(/ECONNREFUSED/);
  expect(Date.now() - killedAt).toBeLessThan(5000);
  // Stopping a lost database returns at once: nothing is left to flush.
  await db.stop();
});

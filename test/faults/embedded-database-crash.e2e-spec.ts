import { Logger } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import request from 'supertest';
import { exitWhenEmbeddedDatabaseIsLost } from '../../src/database/embedded-database-lost';
import { expectUnavailable } from '../support/problems';
import { stationBody } from '../support/stations';
import { TestApp, startTestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

/**
 * The embedded database runs in a worker thread. If that thread dies (here: terminate(), the
 * same 'exit' path as a throw or process.exit inside it), the app must fail loudly and fast:
 * no query hangs, clients get 503 + Retry-After, readiness says so, and main's policy ends the
 * process with exit code 1 after an orderly shutdown. Embedded database only.
 */
const describeEmbedded = process.env.DATABASE_URL ? describe.skip : describe;

/** The database thread of a running test app (there is no API to kill it, on purpose). */
function databaseThread(t: TestApp): Worker {
  return (t.dataSource as unknown as { embedded: { worker: Worker } }).embedded.worker;
}

describeEmbedded('the embedded database thread dies (e2e)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    jest.restoreAllMocks();
  });

  it('queries in flight and new ones fail fast: 503 + Retry-After, readiness 503, liveness 200', async () => {
    t = await startTestApp();
    const app = t;
    expect((await request(app.server).get('/v1/stations').set(app.auth)).status).toBe(200);
    const inFlight = app.dataSource.query('SELECT pg_sleep(30)');

    const killedAt = Date.now();
    await databaseThread(app).terminate();

    await expect(inFlight).rejects.toThrow();
    expectUnavailable(await request(app.server).get('/v1/stations').set(app.auth));
    expectUnavailable(
      await request(app.server)
        .post('/v1/stations')
        .set(app.auth)
        .send(stationBody({ code: 'NO_DB' })),
    );
    expect((await request(app.server).get('/health/ready')).status).toBe(503);
    expect((await request(app.server).get('/health/live')).status).toBe(200);
    // Fast: every answer above came from a refused connection, not from a timeout.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  });

  it("main's policy: logs why, shuts the app down, then exits 1", async () => {
    t = await startTestApp();
    const errors = jest.spyOn(Logger.prototype, 'error');
    const exit = jest.fn();
    exitWhenEmbeddedDatabaseIsLost(t.app, exit);

    await databaseThread(t).terminate();

    await waitFor('the exit', () => exit.mock.calls.length > 0);
    expect(exit.mock.calls).toEqual([[1]]);
    expect(t.server.listening).toBe(false);
    expect(errors.mock.calls.map(([message]) => message as unknown)).toContainEqual(
      expect.stringMatching(
        /^the embedded database thread ended \(exit code 1\): the app cannot serve without it; shutting down \(exit 1\)$/,
      ),
    );
  });
});

import request from 'supertest';
import type { Response } from 'supertest';
import { waitForAuditOf } from './support/audit';
import { v1 } from './support/http';
import { captureLogs } from './support/logs';
import { newPassword, uniqueEmail } from './support/sign-in';
import { stationBody } from './support/stations';
import { TestApp, startTestApp } from './support/test-app';

/**
 * W3C traceparent (issue 13): a trusted proxy's trace is joined, anyone else's is replaced, a
 * malformed one is ignored (never refused), and the trace id is on the response, on every log
 * line of the request and on its audit records. The test client is 127.0.0.1: TRUST_PROXY=
 * loopback makes it a trusted proxy, the default (false) makes it an ordinary client.
 */
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE}-${PARENT}-01`;
const TRACERESPONSE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

interface LogLine {
  msg?: string;
  requestId?: string;
  traceId?: string;
  clientRequestId?: string;
}

function traceOf(res: Response): { traceId: string; spanId: string; flags: string } {
  const match = TRACERESPONSE.exec(res.headers.traceresponse ?? '');
  expect(match).not.toBeNull();
  const [, traceId, spanId, flags] = match!;
  return { traceId, spanId, flags };
}

/** The log lines written for one request (by the id on its response). */
function linesOf(logs: ReturnType<typeof captureLogs>, res: Response): LogLine[] {
  const requestId = res.headers['x-request-id'];
  return logs.lines
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.requestId === requestId);
}

describe('traceparent from a trusted proxy (e2e)', () => {
  const logs = captureLogs();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(
      { TRUST_PROXY: 'loopback', LOG_LEVEL: 'info' },
      { logDestination: logs.destination },
    );
  });
  afterAll(() => t.close());

  it('an audited write joins the trace: response, log line and audit record carry its id', async () => {
    const res = await v1(t)
      .post('/stations')
      .set('traceparent', TRACEPARENT)
      .set('X-Request-Id', 'gateway-42')
      .send(stationBody());
    expect(res.status).toBe(201);
    const trace = traceOf(res);
    expect(trace.traceId).toBe(TRACE);
    // A span of our own, child of the proxy's; the caller's sampled flag is kept.
    expect(trace.spanId).not.toBe(PARENT);
    expect(trace.flags).toBe('01');

    const [line] = linesOf(logs, res);
    // The client's own request id stays beside ours on the line.
    expect(line).toMatchObject({
      msg: 'request completed',
      traceId: TRACE,
      clientRequestId: 'gateway-42',
    });
    const [record] = await waitForAuditOf(t, res);
    expect(record).toMatchObject({ action: 'station.created', traceId: TRACE });
  });

  it('a denied request (buffered audit) carries it too, and GET /v1/audit-logs filters by it', async () => {
    const traceId = 'a'.repeat(31) + 'b';
    const denied = await request(t.server)
      .get('/v1/stations')
      .set('Authorization', 'Bearer forged')
      .set('traceparent', `00-${traceId}-${PARENT}-00`);
    expect(denied.status).toBe(401);
    expect(traceOf(denied)).toMatchObject({ traceId, flags: '00' });
    const [record] = await waitForAuditOf(t, denied);
    expect(record.traceId).toBe(traceId);

    const listed = await v1(t).get(`/audit-logs?traceId=${traceId}`).expect(200);
    const { data } = listed.body as { data: Array<{ id: string }> };
    expect(data.map((row) => row.id)).toEqual([record.id]);
    expect(data[0]).toMatchObject({
      traceId,
      requestId: denied.headers['x-request-id'],
    });
    // The filter is validated like the others: a malformed id is a 400, not a query.
    const bad = await v1(t).get(`/audit-logs?traceId=${traceId.toUpperCase()}`);
    expect(bad.status).toBe(400);
  });

  it('records with and without a trace id verify as one chain', async () => {
    const verified = await v1(t).get('/audit-logs/verify').expect(200);
    expect(verified.body).toMatchObject({ valid: true, firstInvalidId: null });
    expect(verified.body.checked).toBeGreaterThan(1);
  });

  it('the app’s own log lines for the request carry it: a 500’s "Unhandled error" line', async () => {
    const email = uniqueEmail('traced');
    await t.dataSource.query(
      `ALTER TABLE users ADD CONSTRAINT test_traced CHECK (email <> '${email}') NOT VALID`,
    );
    let res: Response;
    try {
      res = await request(t.server)
        .post('/v1/auth/register')
        .set('traceparent', TRACEPARENT)
        .send({ email, password: newPassword() });
    } finally {
      await t.dataSource.query('ALTER TABLE users DROP CONSTRAINT test_traced');
    }
    expect(res.status).toBe(500);
    const lines = linesOf(logs, res);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['Unhandled error', 'request errored']),
    );
    for (const line of lines) expect(line.traceId).toBe(TRACE);
  });

  it('a higher version is read by the forward-compatible rule', async () => {
    const res = await request(t.server)
      .get('/health/live')
      .set('traceparent', `cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`);
    expect(res.status).toBe(200);
    expect(traceOf(res)).toMatchObject({ traceId: TRACE, flags: '01' });
  });

  it.each<[string, string]>([
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['an uppercase trace id', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['uppercase flags', `00-${TRACE}-${PARENT}-0A`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version 00 with an extra field', `00-${TRACE}-${PARENT}-01-extra`],
    ['a short trace id', `00-${TRACE.slice(2)}-${PARENT}-01`],
    ['oversize (8 kB)', `cc-${TRACE}-${PARENT}-01-${'a'.repeat(8192)}`],
    // What Node makes of a repeated header: its values joined with ", ".
    ['a repeated header', `${TRACEPARENT}, ${TRACEPARENT}`],
    ['no dashes', `00${TRACE}${PARENT}01`],
    ['garbage', 'x'],
  ])('ignores %s: 2xx, and a new trace', async (_name, value) => {
    const res = await v1(t).get('/stations').set('traceparent', value);
    expect(res.status).toBe(200);
    const trace = traceOf(res);
    expect(trace.traceId).not.toBe(TRACE);
    expect(value).not.toContain(trace.traceId);
    // A trace we start: random ids (Level 2's random-trace-id flag), not sampled.
    expect(trace.flags).toBe('02');
    expect(linesOf(logs, res)[0]?.traceId).toBe(trace.traceId);
  });

  it('every request without a traceparent starts its own trace', async () => {
    const a = traceOf(await request(t.server).get('/health/live').expect(200));
    const b = traceOf(await request(t.server).get('/nope').expect(404));
    expect(a.traceId).not.toBe(b.traceId);
  });
});

describe('traceparent from a client that is not a trusted proxy (e2e)', () => {
  const logs = captureLogs();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: logs.destination });
  });
  afterAll(() => t.close());

  it('is replaced: the request is logged and audited under a new trace of ours', async () => {
    const denied = await request(t.server)
      .get('/v1/stations')
      .set('Authorization', 'Bearer forged')
      .set('traceparent', TRACEPARENT);
    expect(denied.status).toBe(401);
    const trace = traceOf(denied);
    expect(trace.traceId).not.toBe(TRACE);
    expect(trace.flags).toBe('02');
    const [line] = linesOf(logs, denied);
    expect(line.traceId).toBe(trace.traceId);
    const [record] = await waitForAuditOf(t, denied);
    expect(record.traceId).toBe(trace.traceId);
    expect(logs.text()).not.toContain(TRACE);
  });
});

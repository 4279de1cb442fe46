import { formatTraceContext, parseTraceparent, traceContextFor, traceIdOf } from './trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('parseTraceparent (W3C Trace Context Level 1)', () => {
  it('reads version 00: trace id, parent id, and the sampled flag', () => {
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-01`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      flags: 0x01,
    });
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)?.flags).toBe(0);
  });

  it('keeps the defined flags (sampled, random-trace-id) and drops the reserved ones', () => {
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-ff`)?.flags).toBe(0x03);
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-09`)?.flags).toBe(0x01);
  });

  it('reads a higher version by the forward-compatible rule, ignoring its further fields', () => {
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      flags: 0x01,
    });
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-03-what-the-future-will-be-like`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      // Of a future version only `sampled` is read.
      flags: 0x01,
    });
  });

  it.each<[string, unknown]>([
    ['absent', undefined],
    ['empty', ''],
    [
      'a repeated header (Node joins them with ", ")',
      `00-${TRACE}-${PARENT}-01, 00-${TRACE}-${PARENT}-01`,
    ],
    ['an array', [`00-${TRACE}-${PARENT}-01`]],
    ['version ff (forbidden)', `ff-${TRACE}-${PARENT}-01`],
    ['an uppercase version', `0A-${TRACE}-${PARENT}-01`],
    ['a one-digit version', `0-${TRACE}-${PARENT}-01`],
    ['version 00 with an extra field', `00-${TRACE}-${PARENT}-01-extra`],
    ['version 00 with a trailing dash', `00-${TRACE}-${PARENT}-01-`],
    ['a higher version shorter than 55', `cc-${TRACE}-${PARENT}-1`],
    ['a higher version whose flags run on', `cc-${TRACE}-${PARENT}-01x`],
    ['an uppercase trace id', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['an uppercase parent id', `00-${TRACE}-${PARENT.toUpperCase()}-01`],
    ['uppercase flags', `00-${TRACE}-${PARENT}-0A`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-${PARENT}-01x`],
    ['a long parent id', `00-${TRACE}-${PARENT}0-01`],
    ['non-hex characters', `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ['other delimiters', `00_${TRACE}_${PARENT}_01`],
    ['surrounding whitespace', ` 00-${TRACE}-${PARENT}-01`],
    ['a control character', `00-${TRACE}-${PARENT}-0\n`],
    [
      'oversize (a higher version with 10 kB of fields)',
      `cc-${TRACE}-${PARENT}-01-${'a'.repeat(10_000)}`,
    ],
    ['log injection', `00-${TRACE}-${PARENT}-01\n{"level":60,"msg":"forged"}`],
  ])('ignores %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeNull();
  });
});

describe('traceContextFor', () => {
  it('makes this request a new span of the parent trace, keeping its flags', () => {
    const parent = { traceId: TRACE, parentId: PARENT, flags: 0x01 };
    const child = traceContextFor(parent);
    expect(child).toMatchObject({ traceId: TRACE, parentId: PARENT, flags: 0x01 });
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(PARENT);
    expect(traceContextFor(parent).spanId).not.toBe(child.spanId);
  });

  it('starts a new, unsampled trace with random ids when there is no parent', () => {
    const a = traceContextFor(null);
    const b = traceContextFor(null);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toMatchObject({ parentId: null, flags: 0x02 });
    expect(b.traceId).not.toBe(a.traceId);
  });

  it('formats our span as a version 00 value that parses back', () => {
    const context = traceContextFor({ traceId: TRACE, parentId: PARENT, flags: 0x01 });
    const text = formatTraceContext(context);
    expect(text).toBe(`00-${TRACE}-${context.spanId}-01`);
    expect(parseTraceparent(text)).toEqual({ traceId: TRACE, parentId: context.spanId, flags: 1 });
  });
});

describe('traceIdOf', () => {
  const trace = traceContextFor(null);
  it('reads the request (Express) or its raw request (Fastify)', () => {
    expect(traceIdOf({ trace })).toBe(trace.traceId);
    expect(traceIdOf({ raw: { trace } })).toBe(trace.traceId);
    expect(traceIdOf({})).toBeNull();
  });
});

import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (Level 1, https://www.w3.org/TR/trace-context/): the `traceparent` a
 * gateway sends names the trace and its own span; this request becomes a child span of it, so
 * the gateway's trace and this app's logs and audit records can be joined on the trace id.
 */
export const TRACEPARENT_HEADER = 'traceparent';
/** Trace Context Level 2 (draft): the callee's own span, so a caller can find it. */
export const TRACERESPONSE_HEADER = 'traceresponse';

/** What a valid `traceparent` says: the trace, the caller's span, the caller's flags. */
export interface TraceParent {
  traceId: string;
  parentId: string;
  /** Only the `sampled` bit (and Level 2's `random-trace-id`) are defined; others are dropped. */
  flags: number;
}

/** This request's place in a trace. */
export interface TraceContext {
  traceId: string;
  /** This request's span: new on every request. */
  spanId: string;
  /** The caller's span, when a trusted proxy sent a valid traceparent; null for a new trace. */
  parentId: string | null;
  flags: number;
}

const SAMPLED = 0x01;
const RANDOM_TRACE_ID = 0x02;
/** `version-format` of version 00: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters. */
const VERSION_00_LENGTH = 55;
/** A gateway's header is short; a longer one is not parsed (and not even scanned). */
const MAX_LENGTH = 512;
const HEX_LC = /^[0-9a-f]+$/;
const ALL_ZERO = /^0+$/;

/**
 * Parses a traceparent exactly as the spec's grammar allows: lowercase hex only, version ff
 * forbidden, all-zero ids forbidden, version 00 exactly 55 characters. A higher version is read
 * by the spec's forward-compatible rule (its first three fields, each followed by a dash or
 * the end), and nothing is assumed about its further fields. Anything else is null: ignored.
 * Node joins repeated headers with ", ", which no valid value survives.
 */
export function parseTraceparent(value: unknown): TraceParent | null {
  if (typeof value !== 'string' || value.length < VERSION_00_LENGTH) return null;
  if (value.length > MAX_LENGTH) return null;
  const version = value.slice(0, 2);
  if (!HEX_LC.test(version) || version === 'ff' || value[2] !== '-') return null;
  if (version === '00' && value.length !== VERSION_00_LENGTH) return null;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  const separated = value[35] === '-' && value[52] === '-';
  const ended = value.length === VERSION_00_LENGTH || value[55] === '-';
  if (!separated || !ended) return null;
  if (!HEX_LC.test(traceId) || !HEX_LC.test(parentId) || !HEX_LC.test(flags)) return null;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return null;
  // Of a future version's flags only `sampled` is read (the spec); of 00's, the two defined.
  const known = version === '00' ? SAMPLED | RANDOM_TRACE_ID : SAMPLED;
  return { traceId, parentId, flags: Number.parseInt(flags, 16) & known };
}

/**
 * A child span of `parent`, or the root of a new trace. The ids are random (crypto), so a new
 * trace says so with the random-trace-id flag; it is not sampled (nothing is exported).
 */
export function traceContextFor(parent: TraceParent | null): TraceContext {
  if (parent === null) {
    return {
      traceId: randomId(16),
      spanId: randomId(8),
      parentId: null,
      flags: RANDOM_TRACE_ID,
    };
  }
  return { ...parent, spanId: randomId(8) };
}

/** `traceresponse` (and a traceparent for calls this request makes): version 00, our span. */
export function formatTraceContext(context: TraceContext): string {
  const flags = context.flags.toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

/**
 * CSPRNG bytes drawn 4 kB at a time (as Node does for randomUUID): one draw per request costs
 * more than the rest of the trace middleware. Each byte is handed out once.
 */
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** `bytes` random bytes in hex; an all-zero id is invalid, and a 2^-64 draw of one made valid. */
function randomId(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const id = pool.subarray(poolOffset, (poolOffset += bytes));
  if (id.every((byte) => byte === 0)) id[bytes - 1] = 1;
  return id.toString('hex');
}

/**
 * The trace id, as the trace middleware left it: on the request itself on Express, on the raw
 * request behind Fastify's. Null only for a request that never met the middleware.
 */
export function traceIdOf(request: object): string | null {
  const req = request as { trace?: TraceContext; raw?: { trace?: TraceContext } };
  return (req.trace ?? req.raw?.trace)?.traceId ?? null;
}

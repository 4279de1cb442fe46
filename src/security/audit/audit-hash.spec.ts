import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-event';
import { GENESIS_HASH, canonicalContent, canonicalJson, chainHash } from './audit-hash';

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    occurredAt: new Date('2026-11-23T10:00:00.123Z'),
    requestId: 'req-1',
    actor: { type: 'user', id: 'u-1', role: 'operator', method: 'jwt' },
    action: 'station.created',
    resourceType: 'station',
    resourceId: 's-1',
    outcome: 'success',
    httpStatus: 201,
    reason: null,
    clientIp: '10.0.0.1',
    userAgent: 'jest',
    route: 'POST /v1/stations',
    details: { count: 3, nested: { b: 1, a: [2, { d: 4, c: 3 }] } },
    occurrences: 1,
    ...overrides,
  };
}

describe('canonicalJson', () => {
  it('sorts object keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('drops undefined members, as JSON and jsonb do, and writes a lone undefined as null', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('escapes strings exactly like JSON.stringify', () => {
    const tricky = 'quote " backslash \\ newline \n unicode é \u2028';
    expect(canonicalJson({ [tricky]: tricky })).toBe(
      `{${JSON.stringify(tricky)}:${JSON.stringify(tricky)}}`,
    );
  });
});

describe('canonicalContent', () => {
  it('is the fields in a fixed order, whatever order the objects were built in', () => {
    const a = event();
    const b: AuditEvent = {
      occurrences: 1,
      details: { nested: { a: [2, { c: 3, d: 4 }], b: 1 }, count: 3 },
      route: 'POST /v1/stations',
      userAgent: 'jest',
      clientIp: '10.0.0.1',
      reason: null,
      httpStatus: 201,
      outcome: 'success',
      resourceId: 's-1',
      resourceType: 'station',
      action: 'station.created',
      actor: { method: 'jwt', role: 'operator', id: 'u-1', type: 'user' },
      requestId: 'req-1',
      occurredAt: new Date('2026-11-23T10:00:00.123Z'),
    };
    expect(canonicalContent(b)).toBe(canonicalContent(a));
    expect(JSON.parse(canonicalContent(a))).toEqual([
      '2026-11-23T10:00:00.123Z',
      'req-1',
      'user',
      'u-1',
      'operator',
      'jwt',
      'station.created',
      'station',
      's-1',
      'success',
      201,
      null,
      '10.0.0.1',
      'jest',
      'POST /v1/stations',
      { count: 3, nested: { a: [2, { c: 3, d: 4 }], b: 1 } },
      1,
    ]);
  });
});

describe('chainHash', () => {
  it('is SHA-256 over the previous hash, a newline and the canonical content', () => {
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}\n${canonicalContent(event())}`, 'utf8')
      .digest('hex');
    expect(chainHash(GENESIS_HASH, event())).toBe(expected);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic', () => {
    expect(chainHash(GENESIS_HASH, event())).toBe(chainHash(GENESIS_HASH, event()));
  });

  it('depends on the previous hash, so a record cannot be moved in the chain', () => {
    const first = chainHash(GENESIS_HASH, event());
    expect(chainHash(first, event())).not.toBe(first);
  });

  const changes: Array<[string, Partial<AuditEvent>]> = [
    ['occurredAt (1 ms)', { occurredAt: new Date('2026-11-23T10:00:00.124Z') }],
    ['requestId', { requestId: 'req-2' }],
    ['actor type', { actor: { type: 'api-key', id: 'u-1', role: 'operator', method: 'jwt' } }],
    ['actor id', { actor: { type: 'user', id: 'u-2', role: 'operator', method: 'jwt' } }],
    ['actor role', { actor: { type: 'user', id: 'u-1', role: 'admin', method: 'jwt' } }],
    ['auth method', { actor: { type: 'user', id: 'u-1', role: 'operator', method: 'api-key' } }],
    ['action', { action: 'station.deleted' }],
    ['resourceType', { resourceType: 'user' }],
    ['resourceId', { resourceId: 's-2' }],
    ['outcome', { outcome: 'denied' }],
    ['httpStatus', { httpStatus: 200 }],
    ['reason (null to empty)', { reason: '' }],
    ['clientIp', { clientIp: '10.0.0.2' }],
    ['userAgent', { userAgent: 'curl' }],
    ['route', { route: 'PATCH /v1/stations/:id' }],
    [
      'details (a nested value)',
      { details: { count: 3, nested: { b: 1, a: [2, { d: 4, c: 4 }] } } },
    ],
    ['details (null)', { details: null }],
    ['occurrences', { occurrences: 2 }],
  ];
  it.each(changes)('changes when %s changes', (_name, change) => {
    expect(chainHash(GENESIS_HASH, event(change))).not.toBe(chainHash(GENESIS_HASH, event()));
  });

  it('changes when the trace id changes, or when a record gains one', () => {
    const traced = event({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
    expect(chainHash(GENESIS_HASH, traced)).not.toBe(chainHash(GENESIS_HASH, event()));
    expect(chainHash(GENESIS_HASH, traced)).not.toBe(
      chainHash(GENESIS_HASH, event({ traceId: '4bf92f3577b34da6a3ce929d0e0e4737' })),
    );
  });

  it('hashes a record without a trace id exactly as before trace ids existed', () => {
    // Pinned from the release before audit_log.trace_id: records sealed then still verify.
    const SEALED_BEFORE_TRACES = '2fcc38f020f1a3f65857d2ffd8df19319fbc3760508041289550933bd51a08fe';
    expect(chainHash(GENESIS_HASH, event())).toBe(SEALED_BEFORE_TRACES);
    expect(chainHash(GENESIS_HASH, event({ traceId: null }))).toBe(SEALED_BEFORE_TRACES);
    expect(canonicalContent(event({ traceId: null }))).toBe(canonicalContent(event()));
  });

  it('does not depend on the key order of details (jsonb reorders keys)', () => {
    const reordered = event({ details: { nested: { a: [2, { c: 3, d: 4 }], b: 1 }, count: 3 } });
    expect(chainHash(GENESIS_HASH, reordered)).toBe(chainHash(GENESIS_HASH, event()));
  });

  it('keeps field boundaries: moving text between adjacent fields changes the hash', () => {
    const a = event({ resourceType: 'station', resourceId: 's-1' });
    const b = event({ resourceType: 'stations-', resourceId: '1' });
    expect(chainHash(GENESIS_HASH, a)).not.toBe(chainHash(GENESIS_HASH, b));
  });
});

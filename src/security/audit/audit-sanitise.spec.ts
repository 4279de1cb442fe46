import type { AuditEvent } from './audit-event';
import { ANONYMOUS } from './audit-event';
import { boundedEvent } from './audit-sanitise';

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    occurredAt: new Date('2026-11-23T10:00:00.123Z'),
    requestId: 'req-1',
    actor: ANONYMOUS,
    action: 'access.denied',
    resourceType: null,
    resourceId: null,
    outcome: 'denied',
    httpStatus: 401,
    reason: null,
    clientIp: '10.0.0.1',
    userAgent: null,
    route: null,
    details: null,
    occurrences: 1,
    ...overrides,
  };
}

describe('boundedEvent: the trace id', () => {
  it('keeps a W3C trace id', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(boundedEvent(event({ traceId })).traceId).toBe(traceId);
  });

  it.each<[string, string | null | undefined]>([
    ['absent', undefined],
    ['null', null],
    ['uppercase', '4BF92F3577B34DA6A3CE929D0E0E4736'],
    ['too long', `${'a'.repeat(32)}0`],
    ['not hex', 'z'.repeat(32)],
  ])('stores null for one that is %s (the column refuses anything else)', (_name, traceId) => {
    expect(boundedEvent(event({ traceId })).traceId).toBeNull();
  });
});

import { decodeCursor, encodeCursor } from './cursor';

describe('opaque cursors', () => {
  it('round-trips a position', () => {
    const cursor = encodeCursor({ t: '2026-11-23T10:00:00.000Z' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['t'] as const)).toEqual({ t: '2026-11-23T10:00:00.000Z' });
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['an array', Buffer.from('[1]').toString('base64url')],
    ['a missing key', encodeCursor({ other: 'x' })],
    ['an extra key', encodeCursor({ t: 'x', u: 'y' })],
    ['a non-string value', Buffer.from('{"t":1}').toString('base64url')],
    ['too long', 'a'.repeat(201)],
  ])('rejects %s', (_name, cursor) => {
    expect(decodeCursor(cursor, ['t'] as const)).toBeUndefined();
  });
});

import { newRequestId, safeClientRequestId } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('ours is always a new UUID', () => {
    expect(newRequestId()).toMatch(UUID);
    expect(newRequestId()).not.toBe(newRequestId());
  });

  it('keeps a short, log-safe client id as the client’s', () => {
    expect(safeClientRequestId('abc-123.X_y:z')).toBe('abc-123.X_y:z');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'a'.repeat(65)],
    ['with spaces', 'a b'],
    ['with a newline (log injection)', 'abc\nforged line'],
    ['markup', '<script>'],
    ['repeated header', ['a', 'b']],
  ])('drops a %s value', (_name, value) => {
    expect(safeClientRequestId(value)).toBeUndefined();
  });
});

import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  it('ignores the order of object keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(requestFingerprint('r', { id: '1' }, { b: 1, a: 2 })).toBe(
      requestFingerprint('r', { id: '1' }, { a: 2, b: 1 }),
    );
  });

  it('tells apart another route, another path parameter and another body', () => {
    const base = requestFingerprint('r', { id: '1' }, { a: 1 });
    expect(requestFingerprint('s', { id: '1' }, { a: 1 })).not.toBe(base);
    expect(requestFingerprint('r', { id: '2' }, { a: 1 })).not.toBe(base);
    expect(requestFingerprint('r', { id: '1' }, { a: 2 })).not.toBe(base);
    expect(requestFingerprint('r', { id: '1' }, [{ a: 1 }])).not.toBe(base);
  });
});

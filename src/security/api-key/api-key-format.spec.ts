import { createHash } from 'node:crypto';
import { generateApiKey, parseApiKey, secretMatches } from './api-key-format';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const KEY_ID = '0123456789abcdef';
const SECRET = 'A'.repeat(21) + '_-' + 'z9'.repeat(10); // 43 characters of base64url

describe('generateApiKey', () => {
  it('makes wxk_<16 hex>_<43 base64url> with a SHA-256 of the secret', () => {
    const { key, keyId, secretHash } = generateApiKey();
    const match = /^wxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(key);
    expect(match).not.toBeNull();
    expect(match![1]).toBe(keyId);
    expect(secretHash).toHaveLength(32);
    expect(secretHash.equals(sha256(match![2]))).toBe(true);
  });

  it('keeps a given key id (rotation) and never repeats a secret', () => {
    const first = generateApiKey(KEY_ID);
    const second = generateApiKey(KEY_ID);
    expect(first.keyId).toBe(KEY_ID);
    expect(first.key.startsWith(`wxk_${KEY_ID}_`)).toBe(true);
    expect(second.key).not.toBe(first.key);
    expect(second.secretHash.equals(first.secretHash)).toBe(false);
  });

  it('round-trips through parseApiKey and secretMatches', () => {
    const { key, keyId, secretHash } = generateApiKey();
    const parsed = parseApiKey(key);
    expect(parsed?.keyId).toBe(keyId);
    expect(secretMatches(parsed!.secret, secretHash)).toBe(true);
  });
});

describe('parseApiKey', () => {
  it('splits a well-formed key', () => {
    expect(parseApiKey(`wxk_${KEY_ID}_${SECRET}`)).toEqual({ keyId: KEY_ID, secret: SECRET });
  });

  it.each([
    ['empty', ''],
    ['prefix only', 'wxk_'],
    ['no prefix', `${KEY_ID}_${SECRET}`],
    ['another prefix (refresh tokens)', `wxr_${KEY_ID}_${SECRET}`],
    ['upper-case prefix', `WXK_${KEY_ID}_${SECRET}`],
    ['upper-case hex in the key id', `wxk_${KEY_ID.toUpperCase()}_${SECRET}`],
    ['15-character key id', `wxk_${KEY_ID.slice(1)}_${SECRET}`],
    ['17-character key id', `wxk_${KEY_ID}0_${SECRET}`],
    ['non-hex key id', `wxk_0123456789abcdeg_${SECRET}`],
    ['42-character secret', `wxk_${KEY_ID}_${SECRET.slice(1)}`],
    ['44-character secret', `wxk_${KEY_ID}_${SECRET}A`],
    ['standard base64 "+" in the secret', `wxk_${KEY_ID}_${SECRET.slice(1)}+`],
    ['standard base64 "/" in the secret', `wxk_${KEY_ID}_${SECRET.slice(1)}/`],
    ['padding in the secret', `wxk_${KEY_ID}_${SECRET.slice(1)}=`],
    ['leading space', ` wxk_${KEY_ID}_${SECRET}`],
    ['trailing newline', `wxk_${KEY_ID}_${SECRET}\n`],
    ['a second key after a newline', `wxk_${KEY_ID}_${SECRET}\nwxk_${KEY_ID}_${SECRET}`],
    ['missing separator', `wxk_${KEY_ID}${SECRET}`],
    ['SQL', "wxk_' OR '1'='1"],
    ['unicode look-alike in the key id', `wxk_0123456789abcdеf_${SECRET}`],
  ])('refuses %s', (_name, raw) => {
    expect(parseApiKey(raw)).toBeUndefined();
  });
});

describe('secretMatches', () => {
  const stored = sha256(SECRET);

  it('accepts the secret whose hash is stored', () => {
    expect(secretMatches(SECRET, stored)).toBe(true);
  });

  it.each([
    ['another secret', SECRET.replace('A', 'B')],
    ['the secret with a trailing space', `${SECRET} `],
    ['the whole key instead of its secret', `wxk_${KEY_ID}_${SECRET}`],
    ['an empty secret', ''],
  ])('refuses %s', (_name, secret) => {
    expect(secretMatches(secret, stored)).toBe(false);
  });

  it('refuses when nothing is stored (no previous secret)', () => {
    expect(secretMatches(SECRET, null)).toBe(false);
  });

  it.each([0, 1, 31, 33, 64])('refuses a stored hash of %i bytes without throwing', (length) => {
    const wrongLength = Buffer.alloc(length);
    stored.copy(wrongLength, 0, 0, Math.min(length, stored.length));
    expect(() => secretMatches(SECRET, wrongLength)).not.toThrow();
    expect(secretMatches(SECRET, wrongLength)).toBe(false);
  });

  it('refuses the plaintext secret stored where a hash belongs', () => {
    expect(secretMatches(SECRET, Buffer.from(SECRET))).toBe(false);
  });
});

import type { Response } from 'supertest';

/** What must never reach a client: internals of the server, and secrets of its users. */

/** Strings that must never reach a client: driver errors, SQL text, stack frames. */
export const LEAK_MARKERS = [
  'QueryFailedError',
  'SELECT ',
  'at Object.',
  '    at ',
  'node_modules',
];

/** The raw response text never names driver classes, SQL or stack frames. */
export function expectNoLeaks(res: Response): void {
  expectNoneOf(res, LEAK_MARKERS);
}

/** Names and prefixes of password and key hashes: none may appear in any response. */
export const SECRET_MATERIAL = [
  'password_hash',
  'passwordHash',
  'secret_hash',
  'secretHash',
  '$argon2',
];

export function expectNoSecretMaterial(res: Response): void {
  expectNoneOf(res, SECRET_MATERIAL);
  expect((res.text ?? '').toLowerCase()).not.toContain('previous_secret');
}

function expectNoneOf(res: Response, markers: readonly string[]): void {
  const text = res.text ?? '';
  for (const marker of markers) expect(text).not.toContain(marker);
}

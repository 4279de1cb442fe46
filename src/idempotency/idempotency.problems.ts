import { ProblemException, ValidationProblem } from '../common/problem-details/problem.exception';

export const IDEMPOTENCY_KEY_REUSED = 'urn:weather-api:problem:idempotency-key-reused';

/** 422: the key was used for a different request; replaying that answer would be a lie. */
export class IdempotencyKeyReusedProblem extends ProblemException {
  constructor() {
    super(
      422,
      'Idempotency-Key reused',
      'This Idempotency-Key was already used for a different request. Use a new key for a new request.',
      IDEMPOTENCY_KEY_REUSED,
    );
  }
}

export function invalidIdempotencyKey(): ValidationProblem {
  return ValidationProblem.field(
    'Idempotency-Key',
    'must be 1-128 characters of A-Z a-z 0-9 _ . : - (a UUID is a good key)',
  );
}

import { ProblemException } from '../../common/problem-details/problem.exception';

/**
 * One answer for every authentication failure (missing, malformed, forged, expired, revoked,
 * disabled user...), so a caller learns nothing about which check failed (API2:2023).
 */
export class UnauthenticatedProblem extends ProblemException {
  constructor(detail = 'Missing or invalid credentials.') {
    super(401, 'Unauthorized', detail);
  }
}

/**
 * More than one credential header: still the same 401, but saying why, since a person who
 * authorised both schemes in Swagger UI cannot otherwise tell what is wrong. It reveals nothing
 * about either credential (neither was checked).
 */
export const TWO_CREDENTIALS_DETAIL =
  'More than one credential was sent (for example both a bearer token and an API key); send exactly one.';

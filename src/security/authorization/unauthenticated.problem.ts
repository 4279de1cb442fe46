import { ProblemException } from '../../common/problem-details/problem.exception';

/**
 * One answer for every authentication failure (missing, malformed, forged, expired, revoked,
 * disabled user...), so a caller learns nothing about which check failed (API2:2023).
 */
export class UnauthenticatedProblem extends ProblemException {
  constructor() {
    super(401, 'Unauthorized', 'Missing or invalid credentials.');
  }
}

export class ForbiddenProblem extends ProblemException {
  constructor(detail = 'You are not allowed to do this.') {
    super(403, 'Forbidden', detail);
  }
}

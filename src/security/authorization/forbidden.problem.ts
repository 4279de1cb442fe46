import { ProblemException } from '../../common/problem-details/problem.exception';

/** The caller is known, and the route's policy does not let them do this (API5:2023). */
export class ForbiddenProblem extends ProblemException {
  constructor(detail = 'You are not allowed to do this.') {
    super(403, 'Forbidden', detail);
  }
}

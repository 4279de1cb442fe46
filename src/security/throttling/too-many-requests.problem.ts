import { ProblemException } from '../../common/problem-details/problem.exception';

export class TooManyRequestsProblem extends ProblemException {
  constructor(
    readonly retryAfterSeconds: number,
    readonly limitName: string,
  ) {
    super(
      429,
      'Too Many Requests',
      `Rate limit exceeded; retry after ${retryAfterSeconds} seconds.`,
    );
    this.headers['Retry-After'] = String(retryAfterSeconds);
    this.auditReason = `limit ${limitName}`;
    this.auditDetails = { limit: limitName };
  }
}

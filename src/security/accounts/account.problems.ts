import { ProblemException } from '../../common/problem-details/problem.exception';

export const ACCOUNT_PROBLEM = {
  invalidToken: 'urn:weather-api:problem:invalid-account-token',
  emailNotVerified: 'urn:weather-api:problem:email-not-verified',
  mailUnavailable: 'urn:weather-api:problem:mail-unavailable',
} as const;

/**
 * One answer for every token that does not work: unknown, used, expired, superseded, for an
 * address changed since, or (reset) for a password changed since. Which one is not said.
 */
export class InvalidAccountTokenProblem extends ProblemException {
  constructor() {
    super(
      400,
      'Invalid or expired link',
      'This link is not valid (any more). Ask for a new one.',
      ACCOUNT_PROBLEM.invalidToken,
    );
  }
}

/** The caller's (403) or the target's (409) address is not verified, and the policy needs it. */
export class EmailNotVerifiedProblem extends ProblemException {
  constructor(status: 403 | 409, detail: string) {
    super(status, 'E-mail address not verified', detail, ACCOUNT_PROBLEM.emailNotVerified);
  }
}

export class MailUnavailableProblem extends ProblemException {
  constructor() {
    super(
      409,
      'Mail delivery not configured',
      'This server cannot send mail, so this change cannot be confirmed.',
      ACCOUNT_PROBLEM.mailUnavailable,
    );
  }
}

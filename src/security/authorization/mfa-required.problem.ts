import { ProblemException } from '../../common/problem-details/problem.exception';

/** Its own type, so a client can tell "step up and retry" from any other 403. */
export const MFA_REQUIRED_TYPE = 'urn:weather-api:problem:mfa-required';
export const MFA_ENROLMENT_REQUIRED_TYPE = 'urn:weather-api:problem:mfa-enrolment-required';

/** A sensitive route: prove a second factor (POST /v1/auth/mfa/step-up) and retry. */
export class MfaRequiredProblem extends ProblemException {
  constructor(
    detail = 'This needs a recent second factor: send a code to POST /v1/auth/mfa/step-up, then retry.',
  ) {
    super(403, 'MFA required', detail, MFA_REQUIRED_TYPE);
  }
}

/** MFA_REQUIRED_FOR_ADMINS: this admin must turn on MFA (POST /v1/auth/mfa/totp) first. */
export class MfaEnrolmentRequiredProblem extends ProblemException {
  constructor() {
    super(
      403,
      'MFA enrolment required',
      'Admins must sign in with a second factor here: turn on MFA (POST /v1/auth/mfa/totp) and sign in with it.',
      MFA_ENROLMENT_REQUIRED_TYPE,
    );
  }
}

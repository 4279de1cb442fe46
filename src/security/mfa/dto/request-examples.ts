import { EXAMPLE_PASSWORD_CHANGE } from '../../jwt/dto/request-examples';

/**
 * Swagger UI examples, in the order of the JWT layer's (register, log in, change the password,
 * log in again): turn MFA on with that password, confirm with the app's code, then sign in
 * with the mfaToken and a code. The codes are placeholders: only the authenticator app knows.
 */
export const EXAMPLE_ENROLMENT = { password: EXAMPLE_PASSWORD_CHANGE.newPassword };
export const EXAMPLE_CODE = { code: '123456' };
export const EXAMPLE_LOGIN_MFA = {
  // A placeholder of the right shape: put the mfaToken POST /v1/auth/login returned here.
  mfaToken: `wxm_${'0'.repeat(43)}`,
  code: '123456',
};

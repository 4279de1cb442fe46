import request from 'supertest';
import type { Headers } from './http';
import type { TestApp } from './test-app';

/** The account routes of src/security/accounts, as a client calls them. */
export const accounts = {
  verify: (t: TestApp, token: string) =>
    request(t.server).post('/v1/auth/verify-email').send({ token }),
  resend: (t: TestApp, email: string, headers: Headers = {}) =>
    request(t.server).post('/v1/auth/verify-email/resend').set(headers).send({ email }),
  changeEmail: (t: TestApp, auth: Headers, email: string, password: string) =>
    request(t.server).post('/v1/auth/email').set(auth).send({ email, password }),
  requestReset: (t: TestApp, email: string, headers: Headers = {}) =>
    request(t.server).post('/v1/auth/password-reset/request').set(headers).send({ email }),
  confirmReset: (t: TestApp, token: string, newPassword: string) =>
    request(t.server).post('/v1/auth/password-reset/confirm').send({ token, newPassword }),
};

export const INVALID_TOKEN_TYPE = 'urn:weather-api:problem:invalid-account-token';
export const NOT_VERIFIED_TYPE = 'urn:weather-api:problem:email-not-verified';

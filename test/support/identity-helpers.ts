/**
 * Only for the files being changed elsewhere (test/support/layer-app.ts, test/layers): they
 * still import these names from here. Delete this file once they import from the concern
 * files directly.
 */
export { apiKeyHeader, splitKey } from './api-keys';
export { accessClaims, decodeJwt, encodeJwt, nowSeconds, signJwt } from './jwt';
export { bearerHeader, uniqueEmail } from './sign-in';
export type { Session } from './sign-in';

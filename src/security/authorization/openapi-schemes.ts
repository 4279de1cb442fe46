/**
 * The OpenAPI security scheme names that @Credentials puts on a route. The host's document
 * declares schemes under these names (this app: src/openapi/openapi.setup.ts).
 */
export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'api-key';

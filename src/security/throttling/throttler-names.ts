/** Limits counted before authentication, per client IP: floods, bad keys and failed logins too. */
export const PRE_AUTH_THROTTLERS = ['ip', 'login-ip', 'register-ip'] as const;
/** Limits counted after authentication, per identity (user id or API-key id). */
export const POST_AUTH_THROTTLERS = ['identity', 'api-key-issue'] as const;

/** The headers a response may carry, suffixed with each limit's name (CORS exposes exact names). */
export const RATE_LIMIT_HEADERS = [...PRE_AUTH_THROTTLERS, ...POST_AUTH_THROTTLERS].flatMap(
  (name) => ['Limit', 'Remaining', 'Reset'].map((part) => `X-RateLimit-${part}-${name}`),
);

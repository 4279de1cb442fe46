/** Limits counted before authentication, per client IP: floods, bad keys and failed logins too. */
export const PRE_AUTH_THROTTLERS = ['ip', 'login-ip', 'register-ip'] as const;
/** Limits counted after authentication, per identity (user id or API-key id). */
export const POST_AUTH_THROTTLERS = ['identity', 'api-key-issue'] as const;

/**
 * Request examples that work as they are, in this order, in Swagger UI on a fresh demo database:
 * register, log in, change the password. (Refresh takes the refresh token login returned.)
 */
export const EXAMPLE_CREDENTIALS = {
  email: 'ada@example.com',
  password: 'correct horse battery staple',
};

export const EXAMPLE_PASSWORD_CHANGE = {
  currentPassword: EXAMPLE_CREDENTIALS.password,
  newPassword: 'a new, longer passphrase for Ada',
};

export const EXAMPLE_REFRESH = {
  refreshToken: '<the refreshToken that POST /v1/auth/login returned>',
};

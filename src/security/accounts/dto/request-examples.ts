/**
 * Request examples that work in Swagger UI on a fresh demo database, after the JWT layer's
 * (register, log in, change password): the token is the one in the mailed link (the dev outbox
 * file); the reset's new password is the one the address change then asks for.
 */
export const EXAMPLE_EMAIL = { email: 'ada@example.com' };

export const EXAMPLE_VERIFY = { token: '<the token after #token= in the mailed link>' };

export const EXAMPLE_RESET_CONFIRM = {
  token: '<the token after #token= in the mailed link>',
  newPassword: 'a passphrase only Ada knows',
};

export const EXAMPLE_EMAIL_CHANGE = {
  email: 'ada@new.example',
  password: EXAMPLE_RESET_CONFIRM.newPassword,
};

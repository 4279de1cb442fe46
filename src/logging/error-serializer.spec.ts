import { QueryFailedError } from 'typeorm';
import { serializeError } from './error-serializer';

describe('serializeError', () => {
  const driverError = Object.assign(
    new Error('duplicate key value violates unique constraint "users_email_key"'),
    {
      code: '23505',
      detail: 'Key (email)=(ada@example.com) already exists.',
      table: 'users',
      constraint: 'users_email_key',
    },
  );
  const error = new QueryFailedError(
    'INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)',
    ['ada@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'],
    driverError,
  );

  it('keeps the SQL text, SQLSTATE and constraint; drops parameters, driverError and detail', () => {
    const text = JSON.stringify(serializeError(error));
    expect(serializeError(error)).toMatchObject({
      type: 'QueryFailedError',
      code: '23505',
      query: 'INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)',
      table: 'users',
      constraint: 'users_email_key',
    });
    expect(text).not.toMatch(/ada@example\.com|argon2id|parameters|driverError|detail/);
  });

  it('redacts values a database message quotes, and serialises causes the same way', () => {
    const invalid = Object.assign(new Error('invalid input syntax for type uuid: "s3cret"'), {
      code: '22P02',
    });
    const wrapped = new Error('outer', { cause: invalid });
    expect(JSON.stringify(serializeError(wrapped))).not.toContain('s3cret');
    expect(serializeError(wrapped)).toMatchObject({ cause: { code: '22P02' } });
  });

  it('answers something readable for non-errors', () => {
    expect(serializeError('plain')).toEqual({ type: 'string', message: 'plain' });
    expect(serializeError({ password: 'x' })).toEqual({ type: 'object', message: '[object]' });
  });
});

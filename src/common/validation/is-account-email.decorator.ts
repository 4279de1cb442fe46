import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, ValidateBy, ValidationOptions } from 'class-validator';
import { emailAddressProblem, normaliseEmail } from '../identity/email-address';

/**
 * An account's e-mail address: normalised before it is validated (so the length limit applies
 * to what is stored), then refused with a clear 400 if the policy in email-address.ts says so.
 */
export function IsAccountEmail(options: ValidationOptions = {}): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? normaliseEmail(value) : value,
    ),
    IsString(options),
    ValidateBy(
      {
        name: 'isAccountEmail',
        validator: {
          validate: (value: unknown) =>
            typeof value !== 'string' || emailAddressProblem(value) === undefined,
          defaultMessage: (args) =>
            typeof args?.value === 'string'
              ? (emailAddressProblem(args.value) ?? 'email is invalid')
              : 'email is invalid',
        },
      },
      options,
    ),
    IsEmail({}, { ...options, message: 'email must be an email address' }),
  );
}

import { ValidationOptions, registerDecorator } from 'class-validator';
import { databaseKnowsTimezone } from './known-timezones';

const IANA_SHAPE = /^(UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){1,2})$/;

/**
 * True for names both the runtime's IANA database (ICU) and PostgreSQL know, like
 * `Europe/Berlin` or `UTC`. ICU alone is not enough: a name only ICU knows passes here, is
 * stored, and every `AT TIME ZONE` on it fails in the database later.
 */
export function isIanaTimezone(value: unknown): value is string {
  if (typeof value !== 'string' || !IANA_SHAPE.test(value)) return false;
  if (!databaseKnowsTimezone(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function IsIanaTimezone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIanaTimezone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be an IANA time zone name such as Europe/Berlin',
        ...options,
      },
      validator: { validate: isIanaTimezone },
    });
}

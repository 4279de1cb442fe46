import { ValidationOptions, registerDecorator } from 'class-validator';

const IANA_SHAPE = /^(UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){1,2})$/;

/** True for names the runtime's IANA database knows, like `Europe/Berlin` or `UTC`. */
export function isIanaTimezone(value: unknown): value is string {
  if (typeof value !== 'string' || !IANA_SHAPE.test(value)) return false;
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

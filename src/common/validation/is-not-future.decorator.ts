import { ValidationOptions, registerDecorator } from 'class-validator';

/** Rejects dates later than now + toleranceMs (clock skew between a logger and us). */
export function IsNotFuture(toleranceMs: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotFuture',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `$property must not be more than ${toleranceMs / 60000} minutes in the future`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          value instanceof Date && value.getTime() <= Date.now() + toleranceMs,
      },
    });
}

import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but not sent as null. `@IsOptional()` skips validation for null
 * too, which lets `{"role": null}` through to a NOT NULL column (a 500) or reads a null flag as
 * false. Use this on request bodies; null then fails the field's other validators (400).
 */
export const Omittable = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

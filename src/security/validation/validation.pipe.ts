import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { findReservedKey } from './reserved-keys';
import { FieldError } from '../../common/problem-details/problem-details';
import { ValidationProblem } from '../../common/problem-details/problem.exception';

/**
 * The global validation pipe. Unknown properties are rejected, not silently dropped, so
 * `{"role":"admin"}` or `{"ownerId":...}` in a body is a 400 the caller sees (API3:2023).
 * Types are converted only where a DTO says so with @Type/@Transform: implicit conversion
 * would turn the query string "false" into `true`.
 */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
  });
}

/**
 * class-transformer silently skips `__proto__` and `constructor` (its prototype-pollution guard),
 * so whitelisting never sees them and `{"constructor": ...}` would pass as valid. They are never
 * legitimate field names here: rejected like any unknown property, on every body and query.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const field = findReservedKey(value);
      if (field !== undefined) {
        throw new ValidationProblem([{ field, messages: [`property ${field} should not exist`] }]);
      }
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/** `[{property:'observations', children:[{property:'3', children:[...]}]}]` -> dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

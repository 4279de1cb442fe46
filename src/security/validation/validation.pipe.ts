import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { findJsonShapeProblem } from './json-shape';
import { FieldError } from '../../common/problem-details/problem-details';
import { ValidationProblem } from '../../common/problem-details/problem.exception';

/** Injection token of the configured pipe (ValidationModule provides it). */
export const VALIDATION_PIPE = Symbol('VALIDATION_PIPE');

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

/** Rejects reserved keys and over-deep nesting (see json-shape.ts) before transforming. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = findJsonShapeProblem(value);
      if (problem)
        throw new ValidationProblem([{ field: problem.field, messages: [problem.message] }]);
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

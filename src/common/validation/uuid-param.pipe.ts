import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationProblem } from '../problem-details/problem.exception';

/** `:id` path parameters must be UUIDs; anything else is a 400 problem, never reaches SQL. */
export const UuidParam = (field = 'id'): ParseUUIDPipe =>
  new ParseUUIDPipe({
    exceptionFactory: () => ValidationProblem.field(field, `${field} must be a UUID`),
  });

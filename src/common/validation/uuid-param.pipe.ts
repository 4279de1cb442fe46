import { ArgumentMetadata, ParseUUIDPipe } from '@nestjs/common';
import { ValidationProblem } from '../problem-details/problem.exception';

/**
 * `:id` path parameters must be UUIDs; anything else is a 400 problem, never reaches SQL. The
 * handler (and whatever it stores or records, such as the audit resource id) gets the canonical
 * lower-case form, so one object never appears under two spellings.
 */
class CanonicalUuidPipe extends ParseUUIDPipe {
  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    const checked: unknown = await super.transform(value, metadata);
    return typeof checked === 'string' ? checked.toLowerCase() : value;
  }
}

export const UuidParam = (field = 'id'): ParseUUIDPipe =>
  new CanonicalUuidPipe({
    exceptionFactory: () => ValidationProblem.field(field, `${field} must be a UUID`),
  });

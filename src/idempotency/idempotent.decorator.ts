import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, ProblemDetails } from '../common/problem-details/problem-details';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.options';

export const IDEMPOTENT_KEY = Symbol('idempotent');

/**
 * Marks a create route as safe to retry: with an `Idempotency-Key` header, the same caller
 * sending the same request again (to any instance) gets the first answer replayed, not a second
 * write. The IdempotencyInterceptor does the work; without the header nothing changes.
 */
export function Idempotent(): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_KEY, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Optional. A new random key (e.g. a UUID) per logical request: a retry with the same key and body replays the first answer (with Idempotent-Replayed: true); the same key with another body is 422. Kept per caller for IDEMPOTENCY_KEY_TTL_SECONDS.',
      schema: { type: 'string', maxLength: 128, pattern: IDEMPOTENCY_KEY_PATTERN.source },
    }),
    ApiResponse({
      status: 422,
      description: 'Idempotency-Key already used for a different request',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetails) } } },
    }),
  );
}

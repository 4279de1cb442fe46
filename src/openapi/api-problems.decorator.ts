import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, ProblemDetails } from '../common/problem-details/problem-details';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body, path or query parameters',
  401: 'Missing or invalid credentials',
  403: 'Authenticated, but not allowed',
  404: 'Not found (or not yours)',
  409: 'Conflicts with existing data',
  413: 'Body larger than 100 kB',
  415: 'Body is not application/json',
  429: 'Rate limit exceeded',
  500: 'Unexpected error (no details are disclosed)',
};

/** Declares problem+json error responses on a route or controller. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetails),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetails) } } },
      }),
    ),
  );
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Field errors echo names the client chose (an unknown property is reported by its name), so
 * they are capped: a body with 10,000 unknown keys gets a bounded answer, not a 10,000-entry one.
 */
export const FIELD_ERROR_LIMITS = {
  fields: 50,
  messagesPerField: 10,
  fieldLength: 200,
  messageLength: 300,
};

/** A field that failed validation: `observations.3.temperatureC` and what is wrong with it. */
export class FieldError {
  @ApiProperty({ example: 'latitude', maxLength: FIELD_ERROR_LIMITS.fieldLength })
  field!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: FIELD_ERROR_LIMITS.messageLength },
    maxItems: FIELD_ERROR_LIMITS.messagesPerField,
    example: ['latitude must not be greater than 90'],
  })
  messages!: string[];
}

/** RFC 9457 problem details, the body of every error response. */
export class ProblemDetails {
  @ApiProperty({ example: 'urn:weather-api:problem:validation-failed', maxLength: 100 })
  type!: string;

  @ApiProperty({ example: 'Validation failed', maxLength: 100 })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request body or parameters are invalid.', maxLength: 500 })
  detail!: string;

  @ApiProperty({ example: '/v1/stations', maxLength: 2048 })
  instance!: string;

  @ApiProperty({ example: '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11', maxLength: 64 })
  requestId!: string;

  @ApiPropertyOptional({ type: [FieldError], maxItems: FIELD_ERROR_LIMITS.fields })
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types this API uses; `about:blank` means "the status code says it all" (RFC 9457 4.2.1). */
export const ProblemType = {
  blank: 'about:blank',
  validation: 'urn:weather-api:problem:validation-failed',
  conflict: 'urn:weather-api:problem:conflict',
  malformedJson: 'urn:weather-api:problem:malformed-json',
} as const;

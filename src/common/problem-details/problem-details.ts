import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A field that failed validation: `observations.3.temperatureC` and what is wrong with it. */
export class FieldError {
  @ApiProperty({ example: 'latitude' })
  field!: string;

  @ApiProperty({ type: [String], example: ['latitude must not be greater than 90'] })
  messages!: string[];
}

/** RFC 9457 problem details, the body of every error response. */
export class ProblemDetails {
  @ApiProperty({ example: 'urn:weather-api:problem:validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request body or parameters are invalid.' })
  detail!: string;

  @ApiProperty({ example: '/v1/stations' })
  instance!: string;

  @ApiProperty({ example: '3f6c1c7e-8f3b-4c36-9a7e-0b7d2b1f4c11' })
  requestId!: string;

  @ApiPropertyOptional({ type: [FieldError] })
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

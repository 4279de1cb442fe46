import { HttpException } from '@nestjs/common';
import { FIELD_ERROR_LIMITS, FieldError, ProblemDetails, ProblemType } from './problem-details';

/** A problem body before the filter adds where and which request: RFC 9457's core fields. */
export type ProblemBody = Omit<ProblemDetails, 'instance' | 'requestId'>;

/**
 * An HttpException that carries the problem type and field errors to the filter.
 * Services throw these (or Nest's built-in exceptions) and never write responses themselves.
 */
export class ProblemException extends HttpException {
  /** Extra response headers that belong to this error, e.g. Retry-After on a 429. */
  readonly headers: Record<string, string> = {};
  /**
   * What the audit log records as the reason and details, when the detail text is not the best
   * record (a 429: the limit's name). Only server-side facts, never values from the request.
   */
  auditReason?: string;
  auditDetails?: Record<string, string>;

  constructor(
    status: number,
    readonly title: string,
    readonly detail: string,
    readonly problemType: string = ProblemType.blank,
    readonly fieldErrors?: FieldError[],
  ) {
    super(detail, status);
  }

  /**
   * The problem fields, built here only: the app's ProblemDetailsFilter adds instance and
   * requestId to them, and Nest's built-in filter (a security layer used alone) sends them as
   * they are, so field errors are not lost either way.
   */
  override getResponse(): ProblemBody {
    return {
      type: this.problemType,
      title: this.title,
      status: this.getStatus(),
      detail: this.detail,
      ...(this.fieldErrors ? { errors: this.fieldErrors } : {}),
    };
  }
}

export class ValidationProblem extends ProblemException {
  constructor(fieldErrors: FieldError[], detail = 'The request body or parameters are invalid.') {
    super(
      400,
      'Validation failed',
      detail.slice(0, 500),
      ProblemType.validation,
      capped(fieldErrors),
    );
  }

  /** A single-field failure found after the DTO passed (e.g. a range that is too wide). */
  static field(field: string, message: string): ValidationProblem {
    return new ValidationProblem([{ field, messages: [message] }], message);
  }
}

function capped(errors: FieldError[]): FieldError[] {
  const limits = FIELD_ERROR_LIMITS;
  return errors.slice(0, limits.fields).map((error) => ({
    field: error.field.slice(0, limits.fieldLength),
    messages: error.messages
      .slice(0, limits.messagesPerField)
      .map((m) => m.slice(0, limits.messageLength)),
  }));
}

export class ConflictProblem extends ProblemException {
  constructor(detail: string) {
    super(409, 'Conflict', detail, ProblemType.conflict);
  }
}

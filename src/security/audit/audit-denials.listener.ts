import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  ErrorResponse,
  ErrorResponseEvents,
} from '../../common/problem-details/error-response.events';
import { ProblemException } from '../../common/problem-details/problem.exception';
import { AuditBuffer } from './audit-buffer';
import { AuditEventBuilder } from './audit-event.builder';
import { isRecorded } from './recorded-flag';

/**
 * Rejections that never reach a handler (guards: 401, 403, 429; pipes: 400) are seen only on the
 * error path (nestjs/nest #3250): they are recorded here, from the problem-details filter's
 * events. Unknown routes (404 without a route) and plain not-found reads are not recorded.
 */
@Injectable()
export class AuditDenialsListener implements OnModuleInit {
  constructor(
    private readonly events: ErrorResponseEvents,
    private readonly builder: AuditEventBuilder,
    private readonly buffer: AuditBuffer,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((event) => this.record(event));
  }

  private record({ exception, status, request }: ErrorResponse): void {
    if (isRecorded(request)) return;
    const action = actionFor(status);
    if (!action) return;
    // Only our own problem texts: a parser's message can quote the body, password included.
    const problem = exception instanceof ProblemException ? exception : undefined;
    this.buffer.add(
      this.builder.eventFor(request, {
        action,
        status,
        reason: problem ? (problem.auditReason ?? problem.detail) : null,
        details: problem?.auditDetails ?? null,
      }),
    );
  }
}

function actionFor(status: number): string | undefined {
  if (status === 401 || status === 403) return 'access.denied';
  if (status === 429) return 'rate_limit.exceeded';
  // Malformed, oversized (413) and non-JSON (415) bodies: probing leaves a trace too.
  if (status === 400 || status === 413 || status === 415) return 'request.invalid';
  if (status >= 500) return 'request.failed';
  return undefined;
}

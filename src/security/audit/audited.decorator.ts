import { SetMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuditActor } from './audit-event';

export const AUDITED_KEY = 'audit:action';

export interface AuditSpec {
  /** Recorded when the handler succeeds, e.g. `station.created`. */
  action: string;
  /** Recorded when it fails, e.g. `station.create.failed`. */
  failure: string;
  /** What kind of object the action is about; its id comes from the result or the :id param. */
  resourceType?: string;
}

/**
 * A state-changing handler: it runs in one transaction with its audit record, so the change
 * and the record commit together or not at all.
 */
export const Audited = (action: string, failure: string, resourceType?: string): MethodDecorator =>
  SetMetadata(AUDITED_KEY, { action, failure, resourceType } satisfies AuditSpec);

/** What a handler can add to its own audit record (who logged in, which action exactly). */
export interface AuditNote {
  action?: string;
  actor?: AuditActor;
  resourceId?: string;
  reason?: string;
  details?: Record<string, unknown>;
}

const NOTE = Symbol('auditNote');

export function auditNoteOf(request: object): AuditNote {
  const holder = request as { [NOTE]?: AuditNote };
  holder[NOTE] ??= {};
  return holder[NOTE];
}

/** Injects the mutable audit note of the current request into a handler. */
export const AuditNoteParam = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuditNote =>
    auditNoteOf(ctx.switchToHttp().getRequest<object>()),
);

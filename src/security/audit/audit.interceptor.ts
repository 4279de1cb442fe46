import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { Observable, from, lastValueFrom } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { TransactionContext } from '../../database/transaction-context';
import { AuditBuffer } from './audit-buffer';
import { AuditChainWriter } from './audit-chain.writer';
import { AuditEventBuilder } from './audit-event.builder';
import { AUDITED_KEY, AuditSpec } from './audited.decorator';
import { keepsChanges } from './keep-changes';
import { markRecorded } from './recorded-flag';

type Request = { params?: Record<string, string> };
type Facts = { resourceType: string | null; resourceId: string | null };
/** What the handler's transaction ended with: a result, or a refusal that kept its changes. */
type Outcome = { kind: 'done'; result: unknown } | { kind: 'refused'; error: unknown };

/**
 * Records the outcome of every @Audited handler. Success: the handler and its record run in one
 * transaction, so a change can never exist without its record (if the audit insert fails, the
 * request fails and the change is rolled back). Failure: the transaction rolls back and the
 * failure is recorded through the buffer.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly tx: TransactionContext,
    private readonly events: AuditEventBuilder,
    private readonly writer: AuditChainWriter,
    private readonly buffer: AuditBuffer,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDITED_KEY, context.getHandler());
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<Request & { method: string }>();
    const successStatus =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    markRecorded(request);
    return from(this.run(spec, request, successStatus, next));
  }

  private async run(
    spec: AuditSpec,
    request: Request,
    successStatus: number,
    next: CallHandler,
  ): Promise<unknown> {
    const facts = {
      resourceType: spec.resourceType ?? null,
      resourceId: request.params?.id ?? null,
    };
    try {
      const outcome = await this.tx.run((manager) =>
        this.inTransaction(manager, { spec, request, facts, successStatus, next }),
      );
      if (outcome.kind === 'refused') throw outcome.error;
      return outcome.result;
    } catch (error) {
      // Rolled back: the failure is recorded outside the transaction, through the buffer.
      if (!keepsChanges(error)) this.buffer.add(this.failureEvent(spec, request, facts, error));
      throw error;
    }
  }

  /** The handler and its record, in one transaction. */
  private async inTransaction(
    manager: EntityManager,
    run: {
      spec: AuditSpec;
      request: Request;
      facts: Facts;
      successStatus: number;
      next: CallHandler;
    },
  ): Promise<Outcome> {
    const { spec, request, facts } = run;
    let result: unknown;
    try {
      result = await lastValueFrom(run.next.handle(), { defaultValue: undefined });
    } catch (error) {
      if (!keepsChanges(error)) throw error;
      await this.writer.append(manager, [this.failureEvent(spec, request, facts, error)]);
      return { kind: 'refused', error };
    }
    const createdId = (result as { id?: unknown } | undefined)?.id;
    const event = this.events.eventFor(request, {
      ...facts,
      action: spec.action,
      status: run.successStatus,
      resourceId: typeof createdId === 'string' ? createdId : facts.resourceId,
    });
    await this.writer.append(manager, [event]);
    return { kind: 'done', result };
  }

  private failureEvent(spec: AuditSpec, request: Request, facts: Facts, error: unknown) {
    return this.events.eventFor(request, {
      ...facts,
      action: spec.failure,
      status: statusOf(error),
    });
  }
}

function statusOf(error: unknown): number {
  return error instanceof HttpException ? error.getStatus() : 500;
}

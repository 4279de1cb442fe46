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
import { TransactionContext } from '../../database/transaction-context';
import { AuditBuffer } from './audit-buffer';
import { AuditChainWriter } from './audit-chain.writer';
import { AuditRecorder } from './audit-recorder';
import { AUDITED_KEY, AuditSpec } from './audited.decorator';
import { markRecorded } from './recorded-flag';

/** An error whose changes must be kept: the handler refuses, but what it did stands (reuse revocation). */
export interface CommitsChanges {
  commitChanges: true;
}

function commitsChanges(error: unknown): boolean {
  return (error as Partial<CommitsChanges> | null)?.commitChanges === true;
}

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
    private readonly recorder: AuditRecorder,
    private readonly writer: AuditChainWriter,
    private readonly buffer: AuditBuffer,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDITED_KEY, context.getHandler());
    if (!spec) return next.handle();
    const request = context
      .switchToHttp()
      .getRequest<{ method: string; params?: Record<string, string> }>();
    const successStatus =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    markRecorded(request);
    return from(this.run(spec, request, successStatus, next));
  }

  private async run(
    spec: AuditSpec,
    request: { params?: Record<string, string> },
    successStatus: number,
    next: CallHandler,
  ): Promise<unknown> {
    const facts = {
      resourceType: spec.resourceType ?? null,
      resourceId: request.params?.id ?? null,
    };
    try {
      const outcome = await this.tx.run(async (manager) => {
        try {
          const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
          const resourceId = (result as { id?: unknown } | undefined)?.id;
          const event = this.recorder.eventFor(request, {
            ...facts,
            action: spec.action,
            status: successStatus,
            resourceId: typeof resourceId === 'string' ? resourceId : facts.resourceId,
          });
          await this.writer.append(manager, [event]);
          return { result };
        } catch (error) {
          if (!commitsChanges(error)) throw error;
          const event = this.recorder.eventFor(request, {
            ...facts,
            action: spec.failure,
            status: statusOf(error),
          });
          await this.writer.append(manager, [event]);
          return { error };
        }
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    } catch (error) {
      if (!commitsChanges(error)) {
        this.buffer.add(
          this.recorder.eventFor(request, {
            ...facts,
            action: spec.failure,
            status: statusOf(error),
          }),
        );
      }
      throw error;
    }
  }
}

function statusOf(error: unknown): number {
  return error instanceof HttpException ? error.getStatus() : 500;
}

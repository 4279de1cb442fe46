import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { Observable, from, lastValueFrom } from 'rxjs';
import { TransactionContext } from '../database/transaction-context';
import { keepsChanges } from '../security/audit/keep-changes';
import { identityOf } from '../security/authorization/principal';
import type { Principal } from '../security/authorization/principal';
import { IDEMPOTENT_KEY } from './idempotent.decorator';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  REPLAYED_HEADER,
} from './idempotency.options';
import { IdempotencyKeyReusedProblem, invalidIdempotencyKey } from './idempotency.problems';
import { IdempotencyStore } from './idempotency.store';
import { requestFingerprint } from './request-fingerprint';

type Request = {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string>;
  body?: unknown;
  user?: Principal;
};
type Reply = { header(name: string, value: string): unknown };
type Outcome = { kind: 'done'; result: unknown } | { kind: 'refused'; error: unknown };

/**
 * Replays the first answer to a retried @Idempotent request. It is the outermost interceptor,
 * so a replay neither runs the handler nor writes a second audit record. The key, the change and
 * its audit record commit in one transaction (the audit interceptor and the services join it).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly tx: TransactionContext,
    private readonly store: IdempotencyStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.get<boolean>(IDEMPOTENT_KEY, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return next.handle();
    if (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header)) {
      throw invalidIdempotencyKey();
    }
    const identity = identityOf(request.user);
    // Only authenticated routes are @Idempotent; an anonymous caller has no scope to keep keys in.
    if (identity.id === null) return next.handle();
    const scope = `${identity.type}:${identity.id}`;
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    const hash = requestFingerprint(route, request.params, request.body);
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);
    const reply = context.switchToHttp().getResponse<Reply>();
    return from(this.run({ scope, key: header, hash, status, reply, next }));
  }

  private async run(call: {
    scope: string;
    key: string;
    hash: string;
    status: number;
    reply: Reply;
    next: CallHandler;
  }): Promise<unknown> {
    const outcome = await this.tx.run(async (manager): Promise<Outcome> => {
      const claim = await this.store.claim(manager, call.scope, call.key, call.hash);
      if (claim.kind === 'mismatch') throw new IdempotencyKeyReusedProblem();
      if (claim.kind === 'replay') {
        call.reply.header(REPLAYED_HEADER, 'true');
        return { kind: 'done', result: JSON.parse(claim.body) as unknown };
      }
      let result: unknown;
      try {
        result = await lastValueFrom(call.next.handle(), { defaultValue: undefined });
      } catch (error) {
        // A refusal that keeps its changes (the audit layer's) must commit; the key is not
        // spent on it, so a retry runs again.
        if (!keepsChanges(error)) throw error;
        await this.store.release(manager, call.scope, call.key);
        return { kind: 'refused', error };
      }
      await this.store.complete(
        manager,
        call.scope,
        call.key,
        call.status,
        JSON.stringify(result ?? null),
      );
      return { kind: 'done', result };
    });
    if (outcome.kind === 'refused') throw outcome.error;
    return outcome.result;
  }
}

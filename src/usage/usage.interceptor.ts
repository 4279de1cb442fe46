import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { UsageRecorder } from './usage.recorder';

/** Counts successful requests; failures are counted from the error path (every 4xx/5xx). */
@Injectable()
export class UsageInterceptor implements NestInterceptor {
  constructor(private readonly usage: UsageRecorder) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return next
      .handle()
      .pipe(
        tap(() =>
          this.usage.record(
            http.getRequest<object>(),
            http.getResponse<{ statusCode: number }>().statusCode,
          ),
        ),
      );
  }
}

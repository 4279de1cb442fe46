import { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

/**
 * Nest's logger interface on top of the app's pino logger, so Nest's own lines and every
 * `new Logger(context)` go through the same serializers and redaction as request logs.
 * Nest calls `log(message, ...params, context)` and `error(message, stack?, context)`.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  /**
   * Writes out what pino still buffers (stdout is asynchronous): the shutdown calls it after its
   * last line, so that line is out before the process exits, whatever ends it.
   */
  flush(): Promise<void> {
    return new Promise((resolve) => this.pino.flush(() => resolve()));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const rest = [...params];
    // A Logger made with a context passes it last.
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? rest.pop() : undefined;
    const bindings: Record<string, unknown> = context === undefined ? {} : { context };
    const text = rest.find((param): param is string => typeof param === 'string');
    if (isErrorLike(message)) {
      this.pino[level]({ ...bindings, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...bindings, ...(message as Record<string, unknown>) }, text);
    } else if (level === 'error' && text !== undefined) {
      // error(message, stack, context): the stack, not a second message.
      this.pino.error({ ...bindings, stack: text }, String(message));
    } else {
      this.pino[level](bindings, String(message));
    }
  }
}

function isErrorLike(value: unknown): value is Error {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  );
}

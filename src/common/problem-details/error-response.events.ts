import { Injectable, Logger } from '@nestjs/common';

export interface ErrorResponse {
  exception: unknown;
  status: number;
  /** The platform request object (Express or Fastify). */
  request: object;
}

export type ErrorResponseListener = (event: ErrorResponse) => void;

/**
 * Every error response passes through the problem-details filter exactly once, including those
 * of guards that never reach an interceptor. Layers that must see them (audit, usage) subscribe
 * here instead of the filter knowing about them.
 */
@Injectable()
export class ErrorResponseEvents {
  private readonly logger = new Logger(ErrorResponseEvents.name);
  private readonly listeners: ErrorResponseListener[] = [];

  subscribe(listener: ErrorResponseListener): void {
    this.listeners.push(listener);
  }

  emit(event: ErrorResponse): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'Error-response listener failed');
      }
    }
  }
}

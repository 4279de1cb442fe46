import { Module } from '@nestjs/common';
import { ErrorResponseEvents } from './error-response.events';

/**
 * The channel on which the problem-details filter announces error responses. A layer that
 * listens (audit) imports this alone, not the filter: it never changes the host's error format.
 */
@Module({
  providers: [ErrorResponseEvents],
  exports: [ErrorResponseEvents],
})
export class ErrorResponseEventsModule {}

import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorResponseEventsModule } from './error-response-events.module';
import { ProblemDetailsFilter } from './problem-details.filter';

/** Every error of the app, including unknown routes and body-parser rejections, as problem+json. */
@Global()
@Module({
  imports: [ErrorResponseEventsModule],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
  exports: [ErrorResponseEventsModule],
})
export class ProblemDetailsModule {}

import { Global, Module } from '@nestjs/common';
import { ErrorResponseEventsModule } from './error-response-events.module';
import { ProblemDetailsFilter } from './problem-details.filter';

/**
 * Every error of the app, including unknown routes and body-parser rejections, as problem+json.
 * The host registers the filter (request-pipeline.ts), where the whole pipeline is in one place.
 */
@Global()
@Module({
  imports: [ErrorResponseEventsModule],
  providers: [ProblemDetailsFilter],
  exports: [ErrorResponseEventsModule, ProblemDetailsFilter],
})
export class ProblemDetailsModule {}

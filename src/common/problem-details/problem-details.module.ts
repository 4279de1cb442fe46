import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorResponseEvents } from './error-response.events';
import { ProblemDetailsFilter } from './problem-details.filter';

/** Every error of the app, including unknown routes and body-parser rejections, as problem+json. */
@Global()
@Module({
  providers: [ErrorResponseEvents, { provide: APP_FILTER, useClass: ProblemDetailsFilter }],
  exports: [ErrorResponseEvents],
})
export class ProblemDetailsModule {}

import { Module } from '@nestjs/common';
import { VALIDATION_PIPE, createValidationPipe } from './validation.pipe';

/**
 * Validation (API3, API4, API8:2023): the strict ValidationPipe, for the host to register as its
 * global pipe, `{ provide: APP_PIPE, useExisting: VALIDATION_PIPE }` (this app: request-pipeline.ts).
 * No settings: the pipe's options are fixed (see README "Settings"). A rejection is a
 * ValidationProblem, which renders as a problem body listing the fields with or without the
 * app's problem+json filter.
 */
@Module({
  providers: [{ provide: VALIDATION_PIPE, useFactory: createValidationPipe }],
  exports: [VALIDATION_PIPE],
})
export class ValidationModule {}

import { Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { createValidationPipe } from './validation.pipe';

/**
 * Validation (API3, API4, API8:2023): registers the strict ValidationPipe as a global pipe
 * (APP_PIPE) for every route of the host. No settings: the pipe's options are fixed (see
 * README "Settings"). A rejection is a ValidationProblem, which renders as a problem body
 * listing the fields with or without the app's problem+json filter.
 */
@Module({
  providers: [{ provide: APP_PIPE, useFactory: createValidationPipe }],
})
export class ValidationModule {}

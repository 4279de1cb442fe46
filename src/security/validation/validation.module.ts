import { Module } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { createValidationPipe } from './validation.pipe';

/** Registers the strict ValidationPipe for every route of the app that imports it. */
@Module({
  providers: [{ provide: APP_PIPE, useFactory: createValidationPipe }],
})
export class ValidationModule {}

import { Global, Module } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown';
import { InFlightRequests } from './in-flight-requests';

/** Requests in flight, and the shutdown that waits for them (bounded by SHUTDOWN_TIMEOUT_MS). */
@Global()
@Module({
  providers: [InFlightRequests, GracefulShutdown],
  exports: [InFlightRequests, GracefulShutdown],
})
export class InFlightRequestsModule {}

import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TransactionModule } from '../../database/transaction.module';
import { ConfigurableApiKeyModule } from './api-key.module-definition';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysService } from './api-keys.service';
import { RequestArrivalMiddleware } from './request-arrival';

/**
 * Applications (API2:2023): API keys stored as hashes, the X-API-Key strategy, and (with
 * `endpoints: true`) their management routes. `ApiKeyModule.forRoot({ rotationGraceSeconds,
 * defaultRateLimitPerMinute })` needs only a global DataSource from the host.
 */
@Module({
  imports: [PassportModule, TransactionModule],
  providers: [ApiKeysService, ApiKeyStrategy],
  exports: [ApiKeysService, ApiKeyStrategy],
})
export class ApiKeyModule extends ConfigurableApiKeyModule implements NestModule {
  /**
   * Rotation is judged against the key as it was when the request arrived (see rotate()). On
   * every path (one Date.now()): a mount on the rotate path itself shows up in Express's route
   * table as a second route, which the route-inventory tests rightly refuse.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RequestArrivalMiddleware)
      .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TransactionModule } from '../../database/transaction.module';
import { optionsCheck } from '../../common/options/options-check.provider';
import { ConfigurableApiKeyModule } from './api-key.module-definition';
import { API_KEY_OPTIONS, validateApiKeyOptions } from './api-key.options';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysService } from './api-keys.service';
import { RequestArrivalMiddleware } from './request-arrival';

/**
 * Applications (API2:2023): API keys stored as hashes and the X-API-Key strategy.
 * `ApiKeyModule.forRoot({ rotationGraceSeconds, defaultRateLimitPerMinute, scopes, binding? })`
 * needs only a global DataSource from the host; ApiKeyEndpointsModule adds the routes.
 */
@Module({
  imports: [PassportModule, TransactionModule],
  providers: [optionsCheck(API_KEY_OPTIONS, validateApiKeyOptions), ApiKeysService, ApiKeyStrategy],
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

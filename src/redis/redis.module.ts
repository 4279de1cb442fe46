import { Global, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { StartupError, redactUrl } from '../common/startup-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { REDIS } from './redis.constants';

/**
 * A Redis client when REDIS_URL is set (shared state across instances), otherwise `null`.
 * Connects at start and fails the start if Redis does not answer: limits silently falling
 * back to per-process counters would weaken them without anyone noticing.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Redis | null> => {
        if (!config.redisUrl) return null;
        const client = new Redis(config.redisUrl, {
          lazyConnect: true,
          connectTimeout: 3000,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
        });
        // The first connection error says why (ECONNREFUSED, ENOTFOUND...); connect() itself
        // only reports that the connection closed.
        let lastError: Error | undefined;
        client.on('error', (error: Error) => {
          lastError = error;
          new Logger('Redis').warn(`Redis: ${error.message}`);
        });
        try {
          await client.connect();
          await client.ping();
        } catch (error) {
          client.disconnect();
          const target = redactUrl(config.redisUrl, 'REDIS_URL');
          throw new StartupError(
            `Redis unavailable (REDIS_URL: ${target}): ${(lastError ?? (error as Error)).message}`,
            { cause: error },
          );
        }
        return client;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Optional() @Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis && this.redis.status === 'ready') await this.redis.quit();
  }
}

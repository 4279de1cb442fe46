import { Global, Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { StartupError, redactUrl } from '../common/startup-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { REDIS } from './redis.constants';

/**
 * A Redis client when REDIS_URL is set (shared state across instances), otherwise `null`.
 * Connects at start and fails the start if Redis does not answer: limits silently falling
 * back to per-process counters would weaken them without anyone noticing. Later outages are
 * survived: no offline queue and a command timeout, so a command fails fast (the rate limiter
 * answers 503) instead of waiting; ioredis reconnects by itself and the app recovers with it.
 */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

/** One line when Redis goes away and one when it is back, not one per reconnect attempt. */
function logOutages(client: Redis): void {
  const logger = new Logger('Redis');
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(`Redis unavailable: ${error.message}`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('Redis available again');
  });
}

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
          // A Redis that accepts the connection but does not answer must not hold requests.
          commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
          // Reconnect at most every 2 s: quick recovery, no busy loop while it is down.
          retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
        });
        logOutages(client);
        // The first connection error says why (ECONNREFUSED, ENOTFOUND...); connect() itself
        // only reports that the connection closed.
        let lastError: Error | undefined;
        client.once('error', (error: Error) => (lastError = error));
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
    if (!this.redis) return;
    // A client that is reconnecting to a Redis that is down would keep the process alive.
    if (this.redis.status === 'ready')
      await this.redis.quit().catch(() => this.redis?.disconnect());
    else this.redis.disconnect();
  }
}

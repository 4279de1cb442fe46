import { Logger } from '@nestjs/common';
import type { ClientBase, Notification } from 'pg';
import { PrincipalCache } from '../../common/principal-cache/principal-cache';
import { AuthChangeListener, backendProcessId } from './auth-change-listener';

/** The channel the triggers of migration 1763900900000 notify on. */
export const AUTH_CHANGES_CHANNEL = 'auth_changes';

/** A tag the triggers send (`user:<uuid>`, `api_key:<keyId>`, ...), or `*`: drop everything. */
const PAYLOAD = /^(?:(?:user|session|api_key|signing_key):[A-Za-z0-9_-]{1,64}|\*)$/;

/**
 * Brings every committed change to what authentication reads (announced by database triggers,
 * whoever the writer: this app, another instance, a CLI, psql) to this instance's
 * PrincipalCache, and says whether the cache may be trusted:
 *
 * - Every connection of the app's pool LISTENs before it is first used. PostgreSQL delivers a
 *   session's own notifications before the COMMIT (or autocommit statement) returns, so a change
 *   made by this instance is out of its cache before the request that made it answers.
 * - On a PostgreSQL server, one dedicated connection (outside the pool) LISTENs for the changes
 *   of every other writer. The cache is trusted only while it is connected and subscribed.
 * - Embedded PGlite has no other writer (one process, one connection), and that connection
 *   listens: the cache is trusted as soon as the database is open.
 */
export class AuthChangeFeed {
  private readonly logger = new Logger('AuthChangeFeed');
  private listener: AuthChangeListener | undefined;

  constructor(readonly cache: PrincipalCache) {}

  /**
   * pg-pool's onConnect: awaited before the pool hands the new connection out. Only the
   * connection's own changes count here; everyone else's come through the dedicated listener,
   * whose state alone says whether the cache may be trusted.
   */
  readonly onPoolConnect = async (client: ClientBase): Promise<void> => {
    client.on('notification', (message) => {
      if (message.processId === backendProcessId(client)) this.apply(message);
    });
    await client.query(`LISTEN ${AUTH_CHANGES_CHANNEL}`);
  };

  /** Embedded: trusted from now on. Server: once the dedicated listener has subscribed. */
  start(serverUrl: string | undefined, connectTimeoutMs: number): void {
    if (!this.cache.enabled) return;
    if (serverUrl === undefined) {
      this.cache.setLive(true);
      return;
    }
    this.listener = new AuthChangeListener({
      url: serverUrl,
      channel: AUTH_CHANGES_CHANNEL,
      connectTimeoutMs,
      onNotification: (message) => this.apply(message),
      onLive: (live) => {
        if (live !== this.cache.isLive) {
          this.logger[live ? 'log' : 'warn'](
            live
              ? 'auth change channel subscribed: principal cache in use'
              : 'auth change channel down: principal cache bypassed until it returns',
          );
        }
        this.cache.setLive(live);
      },
    });
    this.listener.start();
  }

  /** The dedicated listener's server process id (tests end it to cut the channel). */
  get listenerProcessId(): number | undefined {
    return this.listener?.processId;
  }

  async stop(): Promise<void> {
    this.cache.setLive(false);
    await this.listener?.stop();
  }

  private apply(message: Notification): void {
    if (message.channel !== AUTH_CHANGES_CHANNEL) return;
    const payload = message.payload ?? '';
    if (payload === '*' || !PAYLOAD.test(payload)) {
      // Unknown shape (a newer writer?): dropping everything is always safe.
      this.cache.flush();
      return;
    }
    this.cache.invalidate(payload);
  }
}

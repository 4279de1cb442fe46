import { Logger } from '@nestjs/common';
import { Client, Notification } from 'pg';

export interface AuthChangeListenerOptions {
  url: string;
  channel: string;
  connectTimeoutMs: number;
  onNotification(message: Notification): void;
  /** true once subscribed; false as soon as the connection is in doubt. */
  onLive(live: boolean): void;
}

/** A silent connection is proven alive this often; a missed answer counts as down. */
const HEARTBEAT_MS = 2000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * One `pg` connection of its own (not TypeORM's pool, whose connections come and go) that
 * LISTENs on the channel, reconnects with a capped backoff, and reports whether it is live.
 * A heartbeat query bounds how long a dead connection that closed silently (a network that
 * drops packets) can pass for live.
 */
export class AuthChangeListener {
  private readonly logger = new Logger('AuthChangeListener');
  private client: Client | undefined;
  private stopped = false;
  private backoffMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AuthChangeListenerOptions) {}

  get processId(): number | undefined {
    return backendProcessId(this.client);
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    this.options.onLive(false);
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      query_timeout: HEARTBEAT_MS,
      keepAlive: true,
      application_name: 'weather-api-auth-listener',
    });
    this.client = client;
    client.on('notification', (message) => this.options.onNotification(message));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return; // lost (or stopped) while subscribing
    this.backoffMs = RECONNECT_MIN_MS;
    this.heartbeatTimer = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => this.lost(client, error));
    }, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    this.options.onLive(true);
  }

  /** Down at once; one reconnect per lost connection, however many events report it. */
  private lost(client: Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    this.options.onLive(false);
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(
      `auth change listener lost (${error instanceof Error ? error.message : 'connection ended'}); reconnecting in ${this.backoffMs} ms`,
    );
    this.reconnectTimer = setTimeout(() => void this.connect(), this.backoffMs);
    this.reconnectTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
  }
}

/** The server process behind a connection (pg reads it at connect; @types/pg omits it). */
export function backendProcessId(client: unknown): number | undefined {
  return (client as { processID?: number | null } | undefined)?.processID ?? undefined;
}

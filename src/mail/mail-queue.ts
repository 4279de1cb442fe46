import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MAIL_OPTIONS, type MailOptions } from './mail.options';
import { MAIL_TRANSPORT, type MailMessage, type MailPort, type MailTransport } from './mail.port';

export interface MailQueueStats {
  transport: MailTransport['kind'];
  pending: number;
  sent: number;
  failed: number;
  dropped: number;
}

/** How long shutdown waits for queued messages before it gives up on them (and counts them). */
const DRAIN_MS = 5000;

/**
 * The bounded send queue behind the mail port. A request only queues (no network wait, no
 * timing difference between "mailed" and "not mailed"); one worker delivers in order. A full
 * queue drops the new message, failed deliveries are not retried (the person asks again), and
 * both are counted and shown in /health/ready, never silent. Log lines name no address and no
 * content: the subject is enough to find a flow, the address is personal data.
 */
@Injectable()
export class MailQueue implements MailPort, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly waiting: MailMessage[] = [];
  private running: Promise<void> | undefined;
  private sent = 0;
  private failed = 0;
  private dropped = 0;

  constructor(
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    @Inject(MAIL_OPTIONS) private readonly options: MailOptions,
  ) {}

  enqueue(message: MailMessage): boolean {
    if (this.waiting.length >= this.options.queueMaxMessages) {
      this.dropped += 1;
      this.logger.warn(`Mail queue full: "${message.subject}" dropped (${this.dropped} so far)`);
      return false;
    }
    this.waiting.push(message);
    this.running ??= this.work().finally(() => (this.running = undefined));
    return true;
  }

  stats(): MailQueueStats {
    const { sent, failed, dropped } = this;
    return { transport: this.transport.kind, pending: this.waiting.length, sent, failed, dropped };
  }

  /** Resolves once every message queued so far was delivered or failed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)));
    await Promise.race([this.idle(), deadline]);
    clearTimeout(timer);
    if (this.waiting.length > 0) {
      this.dropped += this.waiting.length;
      this.logger.warn(`Mail: ${this.waiting.length} queued messages dropped at shutdown`);
      this.waiting.length = 0;
    }
    await this.transport.close();
  }

  private async work(): Promise<void> {
    for (let message = this.waiting.shift(); message; message = this.waiting.shift()) {
      try {
        await this.transport.deliver(message);
        this.sent += 1;
      } catch (error) {
        this.failed += 1;
        const reason = error instanceof Error ? error.name : 'error';
        this.logger.warn(`Mail "${message.subject}" not delivered (${reason})`);
      }
    }
  }
}

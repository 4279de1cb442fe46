import { DynamicModule, Global, Module } from '@nestjs/common';
import { DevOutboxTransport } from './dev-outbox.transport';
import { MailQueue } from './mail-queue';
import { MAIL_OPTIONS, type MailOptions } from './mail.options';
import { MAIL_PORT, MAIL_TRANSPORT, type MailTransport } from './mail.port';
import { SmtpTransport } from './smtp.transport';

/**
 * The mail port (MAIL_PORT, a bounded queue) and the adapter the configuration picks: SMTP when
 * SMTP_URL is set, else the development outbox (load-config refuses production without SMTP
 * when a flow that mails is on). Global: any feature may send mail through the port.
 */
@Global()
@Module({})
export class MailModule {
  static forRoot(options: MailOptions): DynamicModule {
    return {
      module: MailModule,
      providers: [
        { provide: MAIL_OPTIONS, useValue: options },
        { provide: MAIL_TRANSPORT, useFactory: () => transportFor(options) },
        MailQueue,
        { provide: MAIL_PORT, useExisting: MailQueue },
      ],
      exports: [MAIL_PORT, MailQueue],
    };
  }
}

function transportFor(options: MailOptions): MailTransport {
  const { smtpUrl } = options;
  return smtpUrl === undefined
    ? new DevOutboxTransport(options.outboxDir, options.from)
    : new SmtpTransport({ ...options, smtpUrl });
}

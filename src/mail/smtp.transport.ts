import { createTransport, type Transporter } from 'nodemailer';
import type { MailMessage, MailTransport } from './mail.port';
import type { MailOptions } from './mail.options';

/**
 * SMTP through nodemailer, to the one relay the operator names in SMTP_URL: the only outbound
 * client of the app (see test/security/api10). Nothing from a request picks the host: only the
 * recipient address, which the relay delivers. smtp:// must upgrade with STARTTLS when
 * `requireTls` (production), so credentials and one-time links never cross the network in clear.
 */
export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  private readonly transporter: Transporter;

  constructor(private readonly options: MailOptions & { smtpUrl: string }) {
    const secure = new URL(options.smtpUrl).protocol === 'smtps:';
    this.transporter = createTransport({
      url: options.smtpUrl,
      secure,
      requireTLS: !secure && options.requireTls,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      // One message at a time from the queue; no pool kept open between bursts.
      pool: false,
    });
  }

  async deliver(message: MailMessage): Promise<void> {
    await this.transporter.sendMail({
      from: this.options.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
  }

  close(): Promise<void> {
    this.transporter.close();
    return Promise.resolve();
  }
}

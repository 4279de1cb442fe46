/** Settings of the mail module (README "Settings": SMTP_URL, MAIL_FROM, MAIL_*). */
export interface MailOptions {
  /** smtp:// or smtps:// URL of the operator's relay. Unset: the development outbox. */
  smtpUrl: string | undefined;
  /** STARTTLS is demanded on smtp:// (production: always; smtps:// is TLS from the start). */
  requireTls: boolean;
  /** The From: address of every message. */
  from: string;
  /** Where the outbox writes one file per message; unset: it only logs. */
  outboxDir: string | undefined;
  /** Messages waiting at most; past it, new ones are dropped and counted. */
  queueMaxMessages: number;
  /** Connection, greeting and socket timeouts of the SMTP client. */
  timeoutMs: number;
}

export const MAIL_OPTIONS = Symbol('MAIL_OPTIONS');

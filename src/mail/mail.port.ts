/**
 * The mail port: what the rest of the app may ask of mail. One message, plain text and HTML,
 * to one address. Handing it over never waits for the network: the queue behind the port sends
 * it later, so a request that mails (a reset for a known address) costs the same as one that
 * does not (an unknown address).
 */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailPort {
  /** Queues the message; false when the queue is full and it was dropped (and counted). */
  enqueue(message: MailMessage): boolean;
}

/** One way of delivering a message: SMTP, or the development outbox. */
export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  deliver(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export const MAIL_PORT = Symbol('MAIL_PORT');
export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait';

/** One message as the sink received it, its parts decoded. */
export interface SunkMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

/** Messages kept at most: a runaway test cannot fill memory. */
const MAX_MESSAGES = 1000;
const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps what it receives, so
 * tests read the mail the app really sent over SMTP: no mocked transport. Plain SMTP without
 * authentication (the app requires STARTTLS only in production).
 */
export class SmtpSink {
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    /** Every message received, oldest first (filled by the server's onData). */
    readonly messages: SunkMail[],
  ) {}

  static async start(): Promise<SmtpSink> {
    const messages: SunkMail[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      size: MAX_MESSAGE_BYTES,
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
          if (messages.length < MAX_MESSAGES) messages.push(parse(raw, to));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.server.address() as AddressInfo;
    return new SmtpSink(server, port, messages);
  }

  /** SMTP_URL for the app under test. */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages to `address` so far. */
  to(address: string): SunkMail[] {
    return this.messages.filter((m) => m.to.includes(address));
  }

  /** Waits (bounded) until `address` has `count` messages, and returns message number `count`. */
  async waitFor(address: string, count = 1): Promise<SunkMail> {
    const list = await waitFor(
      `${count} mail(s) to ${address}`,
      () => {
        const mails = this.to(address);
        return mails.length >= count ? mails[count - 1] : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    return list!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The token in a mailed link (`#token=...`), from the text part. */
export function tokenIn(mail: SunkMail): string {
  const match = /#token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match) throw new Error(`no link in mail "${mail.subject}"`);
  return match[1];
}

/** Enough MIME for what nodemailer sends: a multipart/alternative of text and HTML. */
function parse(raw: string, to: string[]): SunkMail {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const headers = unfold(head);
  const body = rest.join('\r\n\r\n');
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((part) => {
          const [partHead, ...partBody] = part.replace(/^\r?\n/, '').split(/\r?\n\r?\n/);
          return { headers: unfold(partHead), body: partBody.join('\r\n\r\n') };
        })
    : [{ headers, body }];
  const part = (type: string) => {
    const found = parts.find((p) => (p.headers['content-type'] ?? '').startsWith(type));
    return found ? decode(found.body, found.headers['content-transfer-encoding']) : '';
  };
  return {
    from: headers.from ?? '',
    to,
    subject: headers.subject ?? '',
    text: part('text/plain'),
    html: part('text/html'),
    raw,
  };
}

function unfold(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function decode(body: string, encoding = '7bit'): string {
  if (/base64/i.test(encoding))
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8').trim();
  }
  return body.trim();
}

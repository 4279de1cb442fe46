import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailMessage, MailTransport } from './mail.port';

/**
 * Development without SMTP: each message becomes a file (mode 0600, in a 0700 folder) under the
 * data dir, and one log line says that it was written and where. The log line carries neither
 * the body nor the link: logs travel further than the data dir. Never used in production.
 */
export class DevOutboxTransport implements MailTransport {
  readonly kind = 'outbox' as const;
  private readonly logger = new Logger('MailOutbox');

  constructor(
    private readonly dir: string | undefined,
    private readonly from: string,
  ) {}

  async deliver(message: MailMessage): Promise<void> {
    if (this.dir === undefined) {
      this.logger.log(`Mail "${message.subject}" not written: no MAIL_OUTBOX_DIR`);
      return;
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(
      this.dir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`,
    );
    await writeFile(file, render(this.from, message), { mode: 0o600, flag: 'wx' });
    this.logger.log(`Mail "${message.subject}" written to ${file}`);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A readable message file: headers, the text part, then the HTML part. */
function render(from: string, message: MailMessage): string {
  return [
    `From: ${from}`,
    `To: ${message.to}`,
    `Subject: ${message.subject}`,
    `Date: ${new Date().toUTCString()}`,
    '',
    message.text,
    '',
    '--- HTML part ---',
    message.html,
    '',
  ].join('\n');
}

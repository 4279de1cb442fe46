import type { MailOptions } from '../mail/mail.options';
import type { UnverifiedAccounts } from '../security/accounts/accounts.options';
import type { NodeEnv } from './app-config';
import type { EnvReader } from './env-parsers';

/** Mail, links in mail, and the account flows that send them (README "Settings"). */
export interface AccountsConfig {
  /** Base of the links in mail (PUBLIC_APP_URL): the page that POSTs the token back. */
  publicAppUrl: string;
  emailVerificationTtlSeconds: number;
  passwordResetTtlSeconds: number;
  passwordResetEnabled: boolean;
  unverifiedAccounts: UnverifiedAccounts;
  /** Mails of the account flows per address (beyond it: answered the same, not sent). */
  mailPerEmailPerHour: number;
  /** Requests of the mailing flows per client IP (beyond it: 429). */
  mailRequestsPerIpPerHour: number;
}

const UNVERIFIED: readonly UnverifiedAccounts[] = ['read-only', 'full'];

export function loadMailConfig(
  r: EnvReader,
  nodeEnv: NodeEnv,
  port: number,
  registrationEnabled: boolean,
): { mail: MailOptions; accounts: AccountsConfig } {
  const production = nodeEnv === 'production';
  const smtpUrl = parseSmtpUrl(r);
  const passwordResetEnabled = r.bool(
    'PASSWORD_RESET_ENABLED',
    !production || smtpUrl !== undefined,
  );
  // The outbox is a development aid: in production a flow that mails needs a real relay.
  if (production && smtpUrl === undefined) {
    if (registrationEnabled) r.fail('SMTP_URL', 'is required when REGISTRATION_ENABLED=true');
    if (passwordResetEnabled) r.fail('SMTP_URL', 'is required when PASSWORD_RESET_ENABLED=true');
  }
  const mails = registrationEnabled || passwordResetEnabled;
  const from = r.raw('MAIL_FROM');
  if (production && smtpUrl !== undefined && from === undefined) {
    r.fail('MAIL_FROM', 'is required with SMTP_URL in production');
  }
  if (from !== undefined && (/[\r\n]/.test(from) || !/@[^\s@>]+\.[^\s@>]+>?$/.test(from))) {
    r.fail('MAIL_FROM', 'must be an address, e.g. "Weather API <no-reply@example.com>"');
  }

  return {
    mail: {
      smtpUrl,
      requireTls: production || r.bool('SMTP_REQUIRE_TLS', false),
      from: from ?? 'Weather API <no-reply@weather-api.localhost>',
      outboxDir:
        r.optionalString('MAIL_OUTBOX_DIR') ??
        (nodeEnv === 'development' ? './data/outbox' : undefined),
      queueMaxMessages: r.int('MAIL_QUEUE_MAX_MESSAGES', 1000, 1, 100_000),
      timeoutMs: r.int('SMTP_TIMEOUT_MS', 10_000, 1000, 120_000),
    },
    accounts: {
      publicAppUrl: parsePublicAppUrl(r, production && mails, port),
      emailVerificationTtlSeconds: r.int('EMAIL_VERIFICATION_TTL_SECONDS', 86_400, 300, 7 * 86_400),
      passwordResetTtlSeconds: r.int('PASSWORD_RESET_TTL_SECONDS', 1800, 300, 86_400),
      passwordResetEnabled,
      unverifiedAccounts: r.oneOf('UNVERIFIED_ACCOUNTS', UNVERIFIED, 'read-only'),
      mailPerEmailPerHour: r.int('RATE_LIMIT_ACCOUNT_MAIL_PER_EMAIL_PER_HOUR', 3, 1, 1_000_000),
      mailRequestsPerIpPerHour: r.int('RATE_LIMIT_ACCOUNT_MAIL_PER_IP_PER_HOUR', 20, 1, 1_000_000),
    },
  };
}

function parseSmtpUrl(r: EnvReader): string | undefined {
  const value = r.raw('SMTP_URL');
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if ((url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '') {
      return value;
    }
  } catch {
    // reported below
  }
  r.fail('SMTP_URL', 'must be an smtp:// or smtps:// URL with a host');
  return undefined;
}

/** An origin (plus an optional path) the links start with; https (and set) in production. */
function parsePublicAppUrl(r: EnvReader, production: boolean, port: number): string {
  const value = r.raw('PUBLIC_APP_URL');
  if (value === undefined) {
    if (production) r.fail('PUBLIC_APP_URL', 'is required in production when a flow mails links');
    return `http://127.0.0.1:${port}`;
  }
  try {
    const url = new URL(value);
    const https = url.protocol === 'https:';
    if ((https || (!production && url.protocol === 'http:')) && !url.search && !url.hash) {
      return value.replace(/\/+$/, '');
    }
  } catch {
    // reported below
  }
  r.fail(
    'PUBLIC_APP_URL',
    production
      ? 'must be an https URL without query or fragment'
      : 'must be an http(s) URL without query or fragment',
  );
  return `http://127.0.0.1:${port}`;
}

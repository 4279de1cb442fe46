import { OptionProblems } from '../../common/options/option-problems';

/** What an account whose address is not verified yet may do (UNVERIFIED_ACCOUNTS). */
export type UnverifiedAccounts = 'read-only' | 'full';
export const UNVERIFIED_ACCOUNTS: readonly UnverifiedAccounts[] = ['read-only', 'full'];

/** One message to one address; the host's mail port queues it (this layer never waits on SMTP). */
export interface AccountMailer {
  enqueue(message: { to: string; subject: string; text: string; html: string }): boolean;
}

/** A fixed-window counter store (the throttling layer's COUNTER_STORAGE is one). */
export interface AccountCounters {
  increment(
    key: string,
    ttlMs: number,
    limit: number,
    blockDurationMs: number,
    name: string,
  ): Promise<{ totalHits: number; timeToExpire: number }>;
}

/** Counts a password attempt against the account (the throttling layer's LoginAttemptsLimiter). */
export interface PasswordAttempts {
  begin(email: string): Promise<() => Promise<void>>;
}

/** Ends every session and refresh family of a user (the JWT layer's TokenService can). */
export interface AccountSessions {
  revokeAllSessions(userId: string): Promise<void>;
}

/** Settings of the accounts layer (see README "Settings"). */
export interface AccountsOptions {
  mailer: AccountMailer;
  counters: AccountCounters;
  passwordAttempts: PasswordAttempts;
  sessions: AccountSessions;
  /** False when no relay is configured in production: e-mail changes are refused. */
  mailAvailable: boolean;
  /** Links in mail start with it: `${publicAppUrl}/verify-email#token=...`. */
  publicAppUrl: string;
  emailVerificationTtlSeconds: number;
  passwordResetTtlSeconds: number;
  passwordResetEnabled: boolean;
  unverifiedAccounts: UnverifiedAccounts;
  /** Account mails per address per hour; beyond it the answer is the same and nothing is sent. */
  mailPerEmailPerHour: number;
  /** Requests of the mailing routes per client IP per hour; beyond it, 429. */
  mailRequestsPerIpPerHour: number;
}

export const ACCOUNTS_OPTIONS = Symbol('ACCOUNTS_OPTIONS');

export function validateAccountsOptions(options: AccountsOptions): void {
  const check = new OptionProblems('AccountsModule');
  if (typeof options.mailer?.enqueue !== 'function') check.add('mailer', 'is required');
  if (typeof options.counters?.increment !== 'function') check.add('counters', 'is required');
  if (typeof options.passwordAttempts?.begin !== 'function') {
    check.add('passwordAttempts', 'is required (e.g. the throttling layer’s LoginAttemptsLimiter)');
  }
  if (typeof options.sessions?.revokeAllSessions !== 'function') {
    check.add('sessions', 'is required');
  }
  if (typeof options.mailAvailable !== 'boolean') check.add('mailAvailable', 'must be a boolean');
  if (typeof options.passwordResetEnabled !== 'boolean') {
    check.add('passwordResetEnabled', 'must be a boolean');
  }
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(String(options.publicAppUrl))) {
    check.add('publicAppUrl', 'must be an http(s) URL without query or fragment');
  }
  check.positiveInteger('emailVerificationTtlSeconds', options.emailVerificationTtlSeconds);
  check.positiveInteger('passwordResetTtlSeconds', options.passwordResetTtlSeconds);
  check.positiveInteger('mailPerEmailPerHour', options.mailPerEmailPerHour);
  check.positiveInteger('mailRequestsPerIpPerHour', options.mailRequestsPerIpPerHour);
  if (!UNVERIFIED_ACCOUNTS.includes(options.unverifiedAccounts)) {
    check.add('unverifiedAccounts', `must be one of ${UNVERIFIED_ACCOUNTS.join(', ')}`);
  }
  check.throwIfAny();
}

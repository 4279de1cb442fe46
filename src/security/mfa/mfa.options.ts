import { OptionProblems } from '../../common/options/option-problems';
import { SEALED_BOX_KEY_BYTES } from '../../common/crypto/sealed-box';

/**
 * What the code checks need from a rate limiter: an attempt counted per account before the
 * code is checked, given back when it was right. The throttling layer's LoginAttemptsLimiter
 * is one, so a wrong code spends the same budget as a wrong password.
 */
export interface MfaAttempts {
  begin(email: string): Promise<() => Promise<void>>;
}

/** Settings of the MFA layer (see README "Settings"). */
export interface MfaOptions {
  /** AES-256-GCM key (32 random bytes) that seals the TOTP secrets at rest. */
  encryptionKey: Buffer;
  /** The issuer an authenticator app shows beside the account (otpauth:// URL). */
  issuer: string;
  /** Required: failed codes spend the account's login failure budget. */
  attempts: MfaAttempts;
  /** How recent a second factor @RequiresMfa routes demand, in seconds. */
  stepUpMaxAgeSeconds: number;
  /** Admins without MFA are refused on admin-only and @RequiresMfa routes. Default false. */
  requiredForAdmins?: boolean;
  /** Lifetime of the mfaToken between password and code, in seconds. Default 300. */
  challengeTtlSeconds?: number;
}

export const MFA_OPTIONS = Symbol('MFA_OPTIONS');

export function validateMfaOptions(options: MfaOptions): void {
  const check = new OptionProblems('MfaModule');
  const key: unknown = options.encryptionKey;
  if (!Buffer.isBuffer(key) || key.length !== SEALED_BOX_KEY_BYTES || new Set(key).size < 16) {
    check.add('encryptionKey', 'must be exactly 32 random bytes');
  }
  check.nonEmptyString('issuer', options.issuer);
  if (typeof options.issuer === 'string' && /[:%]/.test(options.issuer)) {
    // A colon would split the otpauth label; keep the issuer plain.
    check.add('issuer', 'must not contain ":" or "%"');
  }
  if (typeof options.attempts?.begin !== 'function') {
    check.add('attempts', 'is required (e.g. the throttling layer’s LoginAttemptsLimiter)');
  }
  check.positiveInteger('stepUpMaxAgeSeconds', options.stepUpMaxAgeSeconds);
  check.optionalBoolean('requiredForAdmins', options.requiredForAdmins);
  const ttl = options.challengeTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 30 && ttl <= 900)) {
    check.add('challengeTtlSeconds', 'must be an integer from 30 to 900 if given');
  }
  check.throwIfAny();
}

import { normaliseEmail } from '../../common/identity/email-address';
import { createHash } from 'node:crypto';

/**
 * A short, stable fingerprint of an identifier the log must not hold in clear (an email tried
 * at login): enough to correlate attempts, not to read the address back.
 */
export function emailFingerprint(email: string): string {
  return createHash('sha256').update(normaliseEmail(email), 'utf8').digest('hex').slice(0, 16);
}

import { generateSecret, generateURI, verify } from 'otplib';

/**
 * RFC 6238 as every authenticator app speaks it: SHA-1, 6 digits, 30-second steps. A code is
 * accepted one step either side of now (clock drift), never at or before `afterStep`, the step
 * of the last code accepted (replay).
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_CODE = /^\d{6}$/;
/** 20 random bytes (160 bits), RFC 4226's recommended secret length. */
const SECRET_BYTES = 20;

export function newTotpSecret(): string {
  return generateSecret({ length: SECRET_BYTES });
}

export function otpauthUrl(issuer: string, account: string, secret: string): string {
  return generateURI({
    issuer,
    label: account,
    secret,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** The time step the code belongs to, or undefined when it is wrong, stale or replayed. */
export async function acceptedStep(
  secret: string,
  code: string,
  afterStep: number,
): Promise<number | undefined> {
  if (!TOTP_CODE.test(code)) return undefined;
  try {
    const result = await verify({
      secret,
      token: code,
      algorithm: 'sha1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: TOTP_PERIOD_SECONDS, // ±1 step
      ...(afterStep > 0 ? { afterTimeStep: afterStep } : {}),
    });
    // otplib types a HOTP and a TOTP result together; only TOTP's has the step.
    return result.valid && 'timeStep' in result ? result.timeStep : undefined;
  } catch {
    // otplib throws on a malformed token or secret: a wrong code, never a 500.
    return undefined;
  }
}

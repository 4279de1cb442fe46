import { generate } from 'otplib';
import { TOTP_PERIOD_SECONDS, acceptedStep, newTotpSecret } from './totp';

/**
 * RFC 6238 acceptance, against otplib codes as an authenticator app makes them: one step
 * either side of now (clock drift), nothing wider, and never a step at or before the last one
 * accepted (replay). The clock is fixed mid-step, so no boundary can move "now" under the test.
 */
describe('acceptedStep', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_000; // seconds; mid-step below
  const step = Math.floor(now / TOTP_PERIOD_SECONDS);
  const codeAt = (s: number) => generate({ secret, epoch: s * TOTP_PERIOD_SECONDS + 1 });

  beforeAll(() => {
    jest.useFakeTimers({ now: (step * TOTP_PERIOD_SECONDS + 15) * 1000 });
  });
  afterAll(() => jest.useRealTimers());

  it.each([-1, 0, 1])('accepts the code of step now + (%i) and names its step', async (delta) => {
    expect(await acceptedStep(secret, await codeAt(step + delta), 0)).toBe(step + delta);
  });

  it.each([-3, -2, 2, 3])('refuses the code of step now + (%i)', async (delta) => {
    expect(await acceptedStep(secret, await codeAt(step + delta), 0)).toBeUndefined();
  });

  it('refuses a code of the last accepted step or before it (replay), accepts a later one', async () => {
    expect(await acceptedStep(secret, await codeAt(step), step)).toBeUndefined();
    expect(await acceptedStep(secret, await codeAt(step - 1), step)).toBeUndefined();
    expect(await acceptedStep(secret, await codeAt(step + 1), step)).toBe(step + 1);
  });

  it('a malformed code is wrong, never an error', async () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12 456']) {
      expect(await acceptedStep(secret, code, 0)).toBeUndefined();
    }
  });
});

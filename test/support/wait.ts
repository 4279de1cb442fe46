/** How long `waitFor` polls, and what it does at the deadline. */
export interface WaitOptions {
  /** Default 30 s: generous, since a busy CI machine is slow, never a reason to fail. */
  timeoutMs?: number;
  intervalMs?: number;
  /**
   * 'throw' (default): a timeout fails the test, naming what was awaited. 'return': the last
   * (falsy) value is returned, for callers whose own assertions decide after the wait.
   */
  onTimeout?: 'throw' | 'return';
}

/**
 * The one waiter of the test suite: polls `check` until it returns something truthy and returns
 * that. Bounded, so a wait for background work (buffered audit rows, a server coming back)
 * never hangs a test.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, onTimeout = 'throw' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      if (onTimeout === 'return') return value;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

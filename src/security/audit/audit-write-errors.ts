/**
 * Data errors (SQLSTATE class 22 "data exception", class 23 "integrity constraint violation")
 * are caused by a record's content: retrying the same record fails the same way forever. Any
 * other error (connection lost, timeout, lock) may pass, and is retried with backoff.
 */
export function sqlStateOf(error: unknown): string | null {
  const own = (error as { code?: unknown } | null)?.code;
  const driver = (error as { driverError?: { code?: unknown } } | null)?.driverError?.code;
  const code = typeof driver === 'string' ? driver : own;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

export function isDataError(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code !== null && (code.startsWith('22') || code.startsWith('23'));
}

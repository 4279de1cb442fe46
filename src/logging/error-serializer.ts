/**
 * The one serialiser for errors in every log line (pino's `err`). An error from the database
 * layer carries the statement's values: TypeORM's QueryFailedError has `parameters` (a new
 * password hash, an e-mail address) and `driverError`, and PostgreSQL's `detail` repeats key
 * values ("Key (email)=(…) already exists"). Logged as they are, any failed write would put a
 * user's hash in the logs. Kept: the type, the message, the stack, the SQLSTATE and the SQL
 * text with its placeholders, which is what an operator needs to find the fault.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  // By shape, not instanceof: errors may come from another realm (a worker, a test sandbox).
  if (!isErrorLike(error)) return { type: typeof error, message: describe(error) };
  const source = error as Error & Record<string, unknown>;
  const driver = (source.driverError ?? {}) as Record<string, unknown>;
  const code = stringOf(source.code) ?? stringOf(driver.code);
  const fromDatabase = code !== undefined && /^[0-9A-Z]{5}$/.test(code);
  const serialized: Record<string, unknown> = {
    type: (error.constructor as { name?: string } | undefined)?.name ?? error.name,
    // A database message may quote a value ('invalid input syntax for type uuid: "…"').
    // The stack's first line repeats the message.
    message: fromDatabase ? withoutQuotedValues(error.message) : error.message,
    stack: fromDatabase ? error.stack?.split(error.message).join('…') : error.stack,
  };
  if (code !== undefined) serialized.code = code;
  const query = stringOf(source.query);
  if (query !== undefined) serialized.query = query;
  for (const field of ['table', 'column', 'constraint', 'routine'] as const) {
    const value = stringOf(driver[field]) ?? stringOf(source[field]);
    if (value !== undefined) serialized[field] = value;
  }
  if (error.cause !== undefined && depth < 3)
    serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

function isErrorLike(value: unknown): value is Error {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function withoutQuotedValues(message: string): string {
  return message.replace(/"[^"]*"/g, '"…"').replace(/\(([^()]*)\)=\(([^()]*)\)/g, '($1)=(…)');
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'string' ? value.slice(0, 200) : `[${typeof value}]`;
}

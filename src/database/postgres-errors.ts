import { QueryFailedError } from 'typeorm';

/** SQLSTATE of the error behind a failed query, e.g. 23505 for a unique violation. */
function sqlState(error: unknown): { code?: string; constraint?: string } {
  if (!(error instanceof QueryFailedError)) return {};
  const driverError = error.driverError as { code?: unknown; constraint?: unknown };
  return {
    code: typeof driverError.code === 'string' ? driverError.code : undefined,
    constraint: typeof driverError.constraint === 'string' ? driverError.constraint : undefined,
  };
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const state = sqlState(error);
  return state.code === '23505' && (constraint === undefined || state.constraint === constraint);
}

/** Escapes LIKE wildcards so user text matches literally (used with ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

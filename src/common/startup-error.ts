/**
 * An operator's mistake found at start (a setting that is wrong, a server that is not there, a
 * port that is taken). main.ts prints only its message, one line that names the variable to
 * fix, and exits 1: a stack trace would bury that line and helps nobody.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Never print a password, even in a start-up error. */
export function redactUrl(url: string, variable: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return `(unparseable ${variable})`;
  }
}

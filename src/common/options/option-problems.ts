/**
 * Checks of a module's options when the module starts. A missing or malformed option must stop
 * the start, not quietly switch a defence off (`hits > NaN` is never true; an empty issuer is
 * not checked at all). Collects every problem and throws one message naming each option.
 */
export class OptionProblems {
  private readonly problems: string[] = [];

  /** `owner` names the module in the message, e.g. "ThrottlingModule". */
  constructor(private readonly owner: string) {}

  /** A whole number of at least 1: not NaN, Infinity, 0, a negative, a fraction or a string. */
  positiveInteger(name: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      this.add(name, `must be a positive integer (got ${shown(value)})`);
    }
  }

  /** A string with something in it besides white space. */
  nonEmptyString(name: string, value: unknown): void {
    if (typeof value !== 'string' || value.trim() === '') {
      this.add(name, `must be a non-empty string (got ${shown(value)})`);
    }
  }

  /** Absent, or true or false. */
  optionalBoolean(name: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'boolean') {
      this.add(name, `must be true or false if given (got ${shown(value)})`);
    }
  }

  add(name: string, message: string): void {
    this.problems.push(`${name} ${message}`);
  }

  throwIfAny(): void {
    if (this.problems.length > 0) {
      throw new Error(`${this.owner}: invalid options: ${this.problems.join('; ')}`);
    }
  }
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

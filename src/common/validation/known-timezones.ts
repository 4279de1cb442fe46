/**
 * The time zone names the database knows (pg_timezone_names), filled once at start by
 * TimezonesModule. class-validator decorators run outside Nest's DI, so IsIanaTimezone reads
 * this module-level registry instead of an injected provider. Node's ICU knows names that
 * PostgreSQL has dropped (US/Pacific-New, Canada/East-Saskatchewan); a station saved with one
 * of those made every later `AT TIME ZONE` query fail.
 */
let known: ReadonlySet<string> | null = null;

/** Replaces the registry (at start, and in tests). */
export function setKnownTimezones(names: Iterable<string> | null): void {
  known = names === null ? null : new Set(names);
}

/**
 * True when the database knows `name` exactly (case included). Before the list is loaded (a
 * layer host without the weather module, a unit test) nothing answers false here: the ICU
 * check in isIanaTimezone is then the only check.
 */
export function databaseKnowsTimezone(name: string): boolean {
  return known === null || known.has(name);
}

/** Whether the registry has been filled (for the start-up check and tests). */
export function knownTimezonesLoaded(): boolean {
  return known !== null;
}

/** Attack payloads, and the in-process check that a prototype pollution did not land. */

/** Classic SQL injection probes: tautologies, stacked queries, comments, unions, time delays. */
export const SQL_INJECTION_STRINGS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "'; DROP TABLE stations; --",
  "1; DELETE FROM users WHERE '1'='1",
  "' UNION SELECT password_hash, email FROM users --",
  "'); UPDATE users SET role='admin' --",
  "' AND pg_sleep(3) --",
  '" OR ""="',
  "\\'; SELECT 1; --",
];

/** `{"x": [[[[...]]]]}`: a valid JSON body that nests `depth` arrays deep. */
export function deeplyNestedJson(depth: number, fields: Record<string, unknown> = {}): string {
  const head = JSON.stringify(fields).slice(0, -1);
  const separator = Object.keys(fields).length > 0 ? ',' : '';
  return `${head}${separator}"x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** `Object.prototype` has none of `names`: what a pollution attempt would plant, read in-process. */
export function expectPrototypeClean(...names: string[]): void {
  const probe: Record<string, unknown> = {};
  for (const name of names) {
    expect(probe[name]).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, name)).toBe(false);
  }
}

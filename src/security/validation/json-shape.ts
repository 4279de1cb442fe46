/**
 * Checks on the shape of a parsed JSON body or query before class-transformer sees it.
 *
 * - `__proto__` and `constructor`: class-transformer skips them without a word (its
 *   prototype-pollution guard), so whitelisting never sees them and `{"constructor": …}` would
 *   pass as valid. They are never legitimate field names here.
 * - Nesting depth: class-transformer and class-validator recurse, so a body of nested objects
 *   or arrays (`{"a":{"a":…}}`, a few thousand levels) would overflow the stack and answer 500. No
 *   DTO here is deeper than a few levels.
 * - NUL characters: PostgreSQL text cannot hold U+0000 and the insert would fail with a 500; no
 *   field here has a use for it.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor']);
export const MAX_JSON_DEPTH = 16;

export type JsonShapeProblem = { field: string; message: string };

/** The first shape problem in a parsed JSON value, if any (iterative: no recursion of its own). */
export function findJsonShapeProblem(value: unknown): JsonShapeProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string' && current.includes('\u0000')) {
      return {
        field: path || 'body',
        message: `${path || 'body'} must not contain NUL characters`,
      };
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      return {
        field: path || 'body',
        message: `${path || 'body'} is nested more than ${MAX_JSON_DEPTH} levels deep`,
      };
    }
    for (const key of Object.keys(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (RESERVED_KEYS.has(key))
        return { field: childPath, message: `property ${childPath} should not exist` };
      stack.push({
        value: (current as Record<string, unknown>)[key],
        path: childPath,
        depth: depth + 1,
      });
    }
  }
  return undefined;
}

/**
 * Keys that class-transformer skips without a word (its prototype-pollution guard), so the
 * whitelisting ValidationPipe never sees them and `{"constructor": …}` would pass as valid.
 * They are never legitimate field names here, so they are rejected like any unknown property.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor']);

/** The dotted path of a reserved key in a parsed JSON value, if any (iterative: no recursion limit). */
export function findReservedKey(value: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    for (const key of Object.keys(current)) {
      const childPath = path ? `${path}.${key}` : key;
      if (RESERVED_KEYS.has(key)) return childPath;
      stack.push({ value: (current as Record<string, unknown>)[key], path: childPath });
    }
  }
  return undefined;
}

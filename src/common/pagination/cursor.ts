/**
 * Opaque keyset cursors: base64url of a small JSON position. Opaque so clients do not build
 * them; validated on the way back in, so a forged cursor is a 400, never a query error.
 */
export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<K extends string>(
  cursor: string,
  keys: readonly K[],
): Record<K, string> | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const record = parsed as Record<string, unknown>;
    if (Object.keys(record).length !== keys.length) return undefined;
    for (const key of keys) if (typeof record[key] !== 'string') return undefined;
    return record as Record<K, string>;
  } catch {
    return undefined;
  }
}

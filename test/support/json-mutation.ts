// Mutating parsed tool output for property tests: wrong types and missing fields anywhere in a record.

/**
 * A copy of a JSON value with the value at a path replaced; each step of `path` picks an entry (modulo the count),
 * so any random path lands somewhere. Copies on the way down; keys such as `__proto__` stay own data properties.
 */
export function replaceAtPath(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key, inner] = entries[path[0]! % entries.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  Object.defineProperty(copy, key, {
    value: replaceAtPath(inner, path.slice(1), replacement),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

// The shape of a parsed document, checked before anything recursive sees it: adapters, zod, scrubbing and
// JSON.stringify all recurse, and a record nested 6,000 levels deep overflowed the stack in them. This walk is
// iterative (an explicit stack), so no input can make the check itself overflow. Pure.

export interface StructureLimits {
  /** Deepest nesting of objects and arrays (the document itself is depth 1). */
  depth: number;
  /** Most keys in one object (or items in one array). */
  keys: number;
  /** Longest string, in UTF-16 code units (object keys included). */
  stringChars: number;
}

/** Findings records nest about ten levels and carry kilobytes of text; these leave a wide margin. */
export const DEFAULT_STRUCTURE_LIMITS: StructureLimits = { depth: 64, keys: 10_000, stringChars: 256 * 1024 };

/** Why the document breaks a limit (naming it and where it came from), or undefined when it does not. */
export function structureProblem(
  doc: unknown,
  limits: StructureLimits = DEFAULT_STRUCTURE_LIMITS,
  source: Partial<Record<keyof StructureLimits, string>> = {},
): string | undefined {
  const named = (k: keyof StructureLimits) => (source[k] ? ` (${source[k]})` : '');
  const tooLong = (s: string) =>
    s.length > limits.stringChars
      ? `a string of ${s.length} characters exceeds the limit of ${limits.stringChars}${named('stringChars')}`
      : undefined;
  if (typeof doc === 'string') return tooLong(doc);
  // Containers with their depth; primitives other than strings need no look.
  const stack: Array<[object, number]> = [];
  if (doc !== null && typeof doc === 'object') stack.push([doc, 1]);
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (depth > limits.depth)
      return `nested deeper than the limit of ${limits.depth} levels${named('depth')}`;
    if (Array.isArray(value)) {
      if (value.length > limits.keys)
        return `an array of ${value.length} items exceeds the limit of ${limits.keys}${named('keys')}`;
      for (const item of value) {
        if (typeof item === 'string') {
          const problem = tooLong(item);
          if (problem) return problem;
        } else if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
      }
      continue;
    }
    // Own enumerable keys only, as JSON.parse makes them (a "__proto__" key is an own key there, not a prototype).
    const keys = Object.keys(value);
    if (keys.length > limits.keys)
      return `an object of ${keys.length} keys exceeds the limit of ${limits.keys}${named('keys')}`;
    for (const key of keys) {
      const keyProblem = tooLong(key);
      if (keyProblem) return keyProblem;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'string') {
        const problem = tooLong(item);
        if (problem) return problem;
      } else if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

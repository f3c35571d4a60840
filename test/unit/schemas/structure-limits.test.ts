// The structure check runs before anything recursive: it must itself survive any depth (it is iterative), and name
// the limit a document breaks.
import { describe, expect, it } from 'vitest';
import { DEFAULT_STRUCTURE_LIMITS, structureProblem } from '../../../schemas/structure-limits.ts';

const limits = { depth: 5, keys: 3, stringChars: 10 };

/** A value nested `n` levels deep, built without recursion (JSON.parse of the text would do the same). */
function nested(n: number, array = false): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = array ? [v] : { a: v };
  return v;
}

describe('structureProblem', () => {
  it('accepts what is within every limit', () => {
    expect(structureProblem({ a: ['x', { b: 'yyyy' }], c: null }, limits)).toBeUndefined();
    expect(structureProblem('short', limits)).toBeUndefined();
    expect(structureProblem(42, limits)).toBeUndefined();
    expect(structureProblem(nested(5), limits)).toBeUndefined();
  });

  it('refuses nesting past the depth, for objects and arrays, at any depth without overflowing itself', () => {
    expect(structureProblem(nested(6), limits)).toBe('nested deeper than the limit of 5 levels');
    expect(structureProblem(nested(6, true), limits)).toMatch(/deeper than the limit of 5/);
    // A million levels: a recursive check would overflow the stack long before.
    expect(structureProblem(nested(1_000_000), DEFAULT_STRUCTURE_LIMITS)).toMatch(/limit of 64 levels/);
    expect(structureProblem(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toMatch(/levels/);
  });

  it('refuses too many keys or items, and too long a string (values and keys), naming the source', () => {
    expect(
      structureProblem({ a: 1, b: 2, c: 3, d: 4 }, limits, { keys: 'policy limits.keysPerObject' }),
    ).toBe('an object of 4 keys exceeds the limit of 3 (policy limits.keysPerObject)');
    expect(structureProblem([[1, 2, 3, 4]], limits)).toMatch(/array of 4 items/);
    expect(structureProblem({ a: 'x'.repeat(11) }, limits)).toMatch(/string of 11 characters exceeds .* 10/);
    expect(structureProblem({ ['k'.repeat(11)]: 1 }, limits)).toMatch(/string of 11/);
    expect(structureProblem(['x'.repeat(11)], limits)).toMatch(/string of 11/);
    expect(structureProblem('x'.repeat(11), limits)).toMatch(/string of 11/);
  });

  it('reads __proto__ and constructor keys as the own data JSON.parse made them, and changes nothing', () => {
    const doc = JSON.parse(
      '{"__proto__":{"polluted":{"deeper":1}},"constructor":{"prototype":{"polluted":1}}}',
    );
    expect(structureProblem(doc, { ...limits, stringChars: 20 })).toBeUndefined();
    expect(structureProblem(JSON.parse(`{"__proto__":${JSON.stringify(nested(6))}}`), limits)).toMatch(
      /deeper/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

// findingId hashes its parts in one call; the id must stay what the per-part hash gave, or re-delivered
// findings would stop deduplicating against ones already in identity state.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingId } from '../../../schemas/adapters/util.ts';

describe('findingId', () => {
  it('equals SHA-256 over every part followed by NUL', () => {
    const part = fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const h = createHash('sha256');
        for (const p of parts) h.update(`${p ?? ''}\u0000`);
        expect(findingId(...parts)).toBe(`f_${h.digest('hex').slice(0, 32)}`);
      }),
      { numRuns: 300 },
    );
  });
});

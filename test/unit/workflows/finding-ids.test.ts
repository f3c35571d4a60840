// Packing the finding-id dedup set for continue-as-new: lossless, order kept, and small.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKED_WIDTH, packFindingIds, unpackFindingIds } from '../../../workflows/identity/finding-ids.ts';

const id = (n: number | string) => `f_${createHash('sha256').update(String(n)).digest('hex').slice(0, 32)}`;

describe('finding id packing', () => {
  it('round-trips canonical ids in order, 22 characters each', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => id(i));
    const packed = packFindingIds(ids);
    expect(packed.packed).toHaveLength(1000 * PACKED_WIDTH);
    expect(packed.other).toEqual([]);
    expect(unpackFindingIds(packed)).toEqual(ids);
  });

  it('keeps the extremes exact', () => {
    const ids = [`f_${'0'.repeat(32)}`, `f_${'f'.repeat(32)}`, 'f_0123456789abcdef0123456789abcdef'];
    expect(unpackFindingIds(packFindingIds(ids))).toEqual(ids);
  });

  it('keeps non-canonical ids as they are, in their place', () => {
    const ids = ['legacy-1', id(1), id(2), 'F_UPPER', id(3), 'x'];
    const packed = packFindingIds(ids);
    expect(packed.other).toEqual([
      [0, 'legacy-1'],
      [3, 'F_UPPER'],
      [5, 'x'],
    ]);
    expect(unpackFindingIds(packed)).toEqual(ids);
  });

  it('round-trips any mix (property)', () => {
    const anyId = fc.oneof(fc.stringMatching(/^f_[0-9a-f]{32}$/), fc.string({ minLength: 1, maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(anyId, { maxLength: 60 }), (ids) => {
        expect(unpackFindingIds(packFindingIds(ids))).toEqual(ids);
      }),
    );
  });

  it('20,000 ids pack to 440,000 characters, 59% of their JSON array', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => id(i));
    const packed = JSON.stringify(packFindingIds(ids)).length;
    const plain = JSON.stringify(ids).length;
    expect(packed).toBeLessThan(440_100);
    expect(plain).toBe(20_000 * 37 + 1);
  });
});

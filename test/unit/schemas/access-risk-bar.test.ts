// The access risk bar: one function decides both whether a request is refused and whether a live grant is revoked.
import { describe, expect, it } from 'vitest';
import { accessRiskBar, barsAccess } from '../../../schemas/access-risk-bar.ts';

const KEY = 'arn:aws:iam::123456789012:user/ci';

describe('barsAccess', () => {
  it('an open compromise finding of any severity bars; a closed one, a sample or another kind does not', () => {
    expect(barsAccess({ status: 'open', kind: 'compromise-indicator' })).toBe(true);
    expect(barsAccess({ status: 'resolved', kind: 'compromise-indicator' })).toBe(false);
    expect(barsAccess({ status: 'open', kind: 'compromise-indicator', sample: true })).toBe(false);
    expect(barsAccess({ status: 'open', kind: 'exposed-secret' })).toBe(false);
  });
});

describe('accessRiskBar', () => {
  it('a compromise finding first, naming it', () => {
    expect(
      accessRiskBar({ key: KEY, compromise: [{ id: 'f_1', title: 'exfil' }], score: 99, ceiling: 40 }),
    ).toEqual({
      cause: 'compromise',
      reason: `${KEY} has an open compromise finding (exfil; f_1)`,
      findingId: 'f_1',
    });
  });

  it('the score at or above the ceiling; under it, or without a score or a ceiling, passes', () => {
    expect(accessRiskBar({ key: KEY, compromise: [], score: 40, ceiling: 40, action: 'deploy' })).toEqual({
      cause: 'risk-score',
      reason: `${KEY} has risk score 40, at or above deploy's ceiling of 40`,
    });
    expect(accessRiskBar({ key: KEY, compromise: [], score: 39, ceiling: 40 })).toBeUndefined();
    expect(accessRiskBar({ key: KEY, compromise: [], ceiling: 40 })).toBeUndefined();
    expect(accessRiskBar({ key: KEY, compromise: [], score: 99 })).toBeUndefined();
  });
});

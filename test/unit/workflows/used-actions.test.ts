import { describe, expect, it } from 'vitest';
import { MAX_USED_ACTIONS, rememberUse, usedActionOf } from '../../../workflows/identity/used-actions.ts';

const ct = (evidence: Record<string, string | boolean>) => ({
  source: { format: 'cloudtrail' as const, product: 'CloudTrail', vendor: 'AWS' },
  evidence,
});

describe('used actions from CloudTrail findings', () => {
  it('maps a successful call to service:Action', () => {
    expect(usedActionOf(ct({ eventSource: 's3.amazonaws.com', eventName: 'GetObject' }))).toBe(
      's3:GetObject',
    );
    expect(usedActionOf(ct({ eventSource: 'monitoring.amazonaws.com', eventName: 'PutMetricData' }))).toBe(
      'cloudwatch:PutMetricData',
    );
  });

  it('ignores failed calls and other formats', () => {
    expect(
      usedActionOf(
        ct({ eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', errorCode: 'AccessDenied' }),
      ),
    ).toBeUndefined();
    expect(
      usedActionOf({
        source: { format: 'ocsf', product: 'x', vendor: 'y' },
        evidence: { eventSource: 's3.amazonaws.com', eventName: 'GetObject' },
      }),
    ).toBeUndefined();
  });

  it('keeps the newest MAX_USED_ACTIONS', () => {
    const used: Record<string, string> = {};
    for (let i = 0; i <= MAX_USED_ACTIONS; i++) rememberUse(used, `s3:Op${i}`, '2026-01-01T00:00:00Z');
    expect(Object.keys(used)).toHaveLength(MAX_USED_ACTIONS);
    expect(used['s3:Op0']).toBeUndefined();
  });
});

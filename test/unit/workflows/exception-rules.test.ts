// Who may grant an exception, for how long: the grantException update's validator.
import { describe, expect, it } from 'vitest';
import type { Assessment } from '../../../activities/assess-identity.ts';
import type { ExceptionRequest } from '../../../workflows/identity/definitions.ts';
import { exceptionRefusal } from '../../../workflows/identity/exception-rules.ts';
import { emptyRecord, type IdentityRecord } from '../../../workflows/identity/state.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const days = (n: number) => new Date(Date.parse(NOW) + n * 86_400_000).toISOString();
const record = (extra: Partial<IdentityRecord> = {}): IdentityRecord => ({
  ...emptyRecord({
    key: 'aws:access-key:AKIAEXAMPLE',
    type: 'aws-access-key',
    provider: 'aws',
    aliases: [],
    owner: 'arn:aws:iam::123456789012:user/ci',
  }),
  ...extra,
});
const withPolicy = (maxDurationDays: number, owner: string | null = 'team-ci') =>
  record({
    assessment: {
      owner,
      principal: 'arn:aws:iam::123456789012:user/ci',
      policy: { exceptions: { maxDurationDays } },
    } as unknown as Assessment,
  });
const request = (extra: Partial<ExceptionRequest> = {}): ExceptionRequest => ({
  action: 'deactivate-key',
  expiresAt: days(7),
  requestedBy: 'bob@payments',
  approvedBy: 'alice@security',
  reason: 'key used by the nightly batch until the migration on the 27th',
  ...extra,
});

describe('exceptionRefusal', () => {
  it('grants a well-formed exception', () => {
    expect(exceptionRefusal(request(), withPolicy(30), NOW)).toBeUndefined();
  });

  it.each([
    [{ action: '' }, 'must name the action'],
    [{ action: 'Drop Tables' }, 'is not an action name'],
    [{ requestedBy: ' ' }, 'who requests it and who approves it'],
    [{ reason: '' }, 'must give a reason'],
    [{ approvedBy: 'bob@payments' }, 'cannot approve their own exception'],
    [{ approvedBy: ' BOB@payments ' }, 'cannot approve their own exception'],
    [{ expiresAt: 'next tuesday' }, 'is not a time'],
    [{ expiresAt: days(-1) }, 'already be expired'],
    [{ expiresAt: days(31) }, 'at most 30 days'],
  ] as const)('refuses %o', (change, message) => {
    expect(exceptionRefusal(request(change), withPolicy(30), NOW)).toContain(message);
  });

  it("refuses the identity's owner as approver: the owning identity (IAM), the owner tag, the identity itself", () => {
    const r = withPolicy(30, 'team-ci');
    for (const approvedBy of [
      'arn:aws:iam::123456789012:user/ci',
      'team-ci',
      'Team-CI',
      'aws:access-key:AKIAEXAMPLE',
    ])
      expect(exceptionRefusal(request({ approvedBy }), r, NOW), approvedBy).toContain('owns the identity');
  });

  it("uses the policy's maximum, and the default 30 days before any assessment", () => {
    expect(exceptionRefusal(request({ expiresAt: days(8) }), withPolicy(7), NOW)).toContain('at most 7 days');
    expect(exceptionRefusal(request({ expiresAt: days(7) }), withPolicy(7), NOW)).toBeUndefined();
    expect(exceptionRefusal(request({ expiresAt: days(30) }), record(), NOW)).toBeUndefined();
    expect(exceptionRefusal(request({ expiresAt: days(30.01) }), record(), NOW)).toContain('at most 30 days');
  });

  it('accepts team actions and refuses non-objects', () => {
    expect(
      exceptionRefusal(request({ action: 'payments/rotate-stripe-key' }), record(), NOW),
    ).toBeUndefined();
    expect(exceptionRefusal(null as never, record(), NOW)).toContain('must be an object');
  });
});

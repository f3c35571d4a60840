// Why each enforcing workflow refuses a cancel request, and the signed way it names instead.
import { describe, expect, it } from 'vitest';
import { cancelRefusalReason } from '../../../workflows/cancel-refusal-reason.ts';

describe('cancelRefusalReason', () => {
  it('says a cancel carries no signature and names the signed way to stop each workflow', () => {
    const prefix = 'a cancel request carries no signature; stop enforcement with a signed decision (';
    expect(cancelRefusalReason('identity')).toBe(`${prefix}nhi except request, then a signed approval)`);
    expect(cancelRefusalReason('remediation')).toBe(`${prefix}nhi reject, or nhi rollback once it acted)`);
    expect(cancelRefusalReason('enforcement control')).toBe(`${prefix}nhi enforcement pause)`);
    expect(cancelRefusalReason('access request')).toBe(
      `${prefix}nhi revoke, or nhi reject while it awaits approval)`,
    );
    expect(cancelRefusalReason('action registry')).toBe(
      `${prefix}nhi actions remove, signed by the team or a registrant)`,
    );
  });

  it('fits the 160 characters nhi identity shows of a refusal', () => {
    for (const w of [
      'identity',
      'remediation',
      'enforcement control',
      'access request',
      'action registry',
    ] as const)
      expect(cancelRefusalReason(w).length).toBeLessThanOrEqual(160);
  });
});

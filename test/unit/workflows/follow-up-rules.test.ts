import { describe, expect, it } from 'vitest';
import { parsePolicy, safeParsePolicy } from '../../../schemas/policy.ts';
import type { FollowUpState } from '../../../workflows/remediation/definitions.ts';
import { rollbackRefusal } from '../../../workflows/remediation/follow-up.ts';

const state = (over: Partial<FollowUpState> = {}): FollowUpState => ({
  remediationId: 'remediate/deactivate-key/x/0',
  status: 'watching',
  plan: {
    action: 'deactivate-key',
    identityKey: 'x',
    steps: [],
    rollback: { possible: true, how: 'reactivates' },
  },
  outcome: {},
  until: '2026-12-01T00:00:00.000Z',
  rechecks: [],
  drifts: 0,
  ...over,
});

describe('rollback rules', () => {
  it('needs a reason (who it is comes from the signature, never a by field)', () => {
    expect(rollbackRefusal(state(), { by: ' ', reason: 'r' })).toBeUndefined();
    expect(rollbackRefusal(state(), { by: 'alice', reason: '' })).toMatch(/--reason R/);
    expect(rollbackRefusal(state(), { by: 'alice', reason: 'false positive' })).toBeUndefined();
  });

  it('refuses an irreversible plan with its reason, and a second rollback', () => {
    const irreversible = state({
      plan: {
        action: 'rotate-secret',
        identityKey: 'secret:x:0123',
        steps: [],
        rollback: { possible: false, how: 'a rollback would make the leaked value current again' },
      },
    });
    expect(rollbackRefusal(irreversible, { by: 'a', reason: 'r' })).toBe(
      'rotate-secret cannot be rolled back: a rollback would make the leaked value current again',
    );
    expect(rollbackRefusal(state({ status: 'rolled-back' }), { by: 'a', reason: 'r' })).toBe(
      'this remediation is rolled-back',
    );
  });
});

describe('policy remediation section', () => {
  it('defaults: re-check after 1 h, 6 h, then daily; re-enforce; 7 days to roll back; deny-unused', () => {
    expect(parsePolicy({ version: 1, rules: [] }).remediation).toEqual({
      recheckEverySeconds: [3600, 21600, 86400],
      onDrift: 'reenforce',
      rollbackWindowHours: 168,
      scopeDown: 'deny-unused',
    });
  });

  it('rejects unknown values in one line', () => {
    const bad = safeParsePolicy(
      { version: 1, remediation: { onDrift: 'panic', recheckEverySeconds: [] }, rules: [] },
      'p.yaml',
    );
    expect(bad).toMatchObject({ ok: false });
    expect((bad as { error: string }).error).toMatch(/^p\.yaml: remediation\./);
    expect((bad as { error: string }).error).not.toContain('\n');
  });
});

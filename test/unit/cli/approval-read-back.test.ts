import { describe, expect, it } from 'vitest';
import { approvalReadBack } from '../../../cli/approval-read-back.ts';
import type { RemediationState } from '../../../workflows/remediation/definitions.ts';

const id = 'remediate/scope-down/arn:aws:iam::123456789012:user/ci/0';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function state(over: Partial<RemediationState>): RemediationState {
  return {
    status: 'awaiting-approval',
    input: {} as RemediationState['input'],
    approvals: [],
    rejections: [],
    voided: [],
    attempts: [],
    plan: {
      action: 'scope-down',
      identityKey: 'arn:aws:iam::123456789012:user/ci',
      steps: [{ api: 'iam:PutUserPolicy', target: 'ci', detail: {} }],
      explanation: [
        { action: 's3:GetObject', verdict: 'keep', why: 'used' },
        { action: 'iam:PassRole', verdict: 'deny', why: 'never used' },
        { action: 'iam:CreateUser', verdict: 'deny', why: 'never used' },
      ],
    },
    request: { round: 1 } as RemediationState['request'],
    ...over,
  };
}

describe('nhi approve reads back an approval that completed its round', () => {
  it('voided by a changed plan: what changed, the open round and the next commands', () => {
    const out = approvalReadBack(
      id,
      1,
      state({
        request: { round: 2 } as RemediationState['request'],
        planCheck: { round: 1, at: 't', after: 'approval', approvedPlanHash: A, planHash: B, voided: true },
      }),
    );
    expect(out).toEqual({
      kind: 'voided',
      line:
        `approval of ${id} voided: the plan changed after round 1 was approved (aaaaaaaaaaaa → bbbbbbbbbbbb; ` +
        'now iam:PutUserPolicy on ci, denying 2 action(s)); nothing was done. Round 2 is open for the new plan: ' +
        `review it with nhi pending, then nhi approve ${id} --as WHO --reason R`,
    });
  });

  it('voided, the new round not open yet: still names the next commands', () => {
    const out = approvalReadBack(
      id,
      1,
      state({
        status: 'acting',
        planCheck: { round: 1, at: 't', after: 'approval', approvedPlanHash: A, planHash: B, voided: true },
      }),
    );
    expect(out.kind === 'voided' && out.line).toMatch(
      /A new round opens for the new plan: nhi pending lists it/,
    );
  });

  it('still checking or acting (or the round still open): read again', () => {
    for (const s of [
      state({ status: 'acting' }),
      state({ status: 'awaiting-approval' }),
      state({
        status: 'acting',
        planCheck: { round: 1, at: 't', after: 'approval', approvedPlanHash: A, planHash: A, voided: false },
      }),
    ])
      expect(approvalReadBack(id, 1, s)).toEqual({ kind: 'unsettled' });
  });

  it('the same plan, held by a brake: approved, and says the plan is made again before it acts', () => {
    const out = approvalReadBack(
      id,
      1,
      state({
        status: 'held',
        hold: { reason: 'enforcement paused by oncall@example.com at t: incident', since: 't' },
        planCheck: { round: 1, at: 't', after: 'approval', approvedPlanHash: A, planHash: A, voided: false },
      }),
    );
    expect(out).toEqual({
      kind: 'approved',
      note: 'held: enforcement paused by oncall@example.com at t: incident; the plan is made again before it acts (a changed plan voids this approval)',
    });
  });

  it('executed (or any end): approved without a note; an older round voided is not this one', () => {
    expect(approvalReadBack(id, 1, state({ status: 'executed' }))).toEqual({ kind: 'approved' });
    const older = state({
      status: 'executed',
      request: { round: 2 } as RemediationState['request'],
      planCheck: { round: 1, at: 't', after: 'approval', approvedPlanHash: A, planHash: B, voided: true },
    });
    expect(approvalReadBack(id, 2, older)).toEqual({ kind: 'approved' });
  });
});
